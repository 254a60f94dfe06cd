import { test } from 'node:test';
import assert from 'node:assert/strict';
import { answerTerms, optionLines, placeAnswer } from '../../src/core/shortcuts/answerCarrier';
import { neededFor, neededFromReference } from '../../src/core/shortcuts/needed';

const where = (ctx: string, terms: string[]) => placeAnswer(ctx, terms).map((p) => `${p.modality}:${p.cue}`);

test('answer terms: option text for a letter, numbers as words, no yes/no', () => {
  assert.deepEqual(answerTerms('B', ['A. red', 'B. blue', 'C. green']), ['blue']);
  assert.deepEqual(answerTerms('(B)', ['(A) the harbour', '(B) the station']), ['the station', 'station']);
  assert.deepEqual(answerTerms('B,E', ['A. Questioning', 'B. Helpless', 'C. Curiosity', 'D. x', 'E. Angry']), ['Helpless', 'Angry']);
  assert.deepEqual(answerTerms('7'), ['7', 'seven']);
  assert.deepEqual(answerTerms('Nine'), ['Nine', '9', 'nine']);
  assert.deepEqual(answerTerms('Yes'), []);
  // A letter with no options is a literal answer of one character: nothing to find.
  assert.deepEqual(answerTerms('C'), []);
});

test('the cue carrying the answer names the modality', () => {
  assert.deepEqual(where('Over a plain backdrop, a voice can be heard announcing that the password is blue.', ['blue']), ['audio:announcing']);
  assert.deepEqual(where('The screen is dark green with the word SEVEN in white.', ['SEVEN']), ['visual:word']);
  assert.deepEqual(where('A dark green screen fills the frame.', ['green']), ['visual:green']);
  assert.deepEqual(where('A rising melody plays over a still frame.', ['melody']), ['audio:melody']);
  assert.deepEqual(where('A woman says: "Hello, my name is Maria."', ['Maria']), ['audio:"Hello, my name is Maria."']);
  assert.deepEqual(where('A slide shows the text "CODE 4".', ['4']), ['visual:text']);
  // A sentence that cites nothing continues the one before.
  assert.deepEqual(where('Two voices talk over each other. The first wants the harbour, the second the station.', ['station']), ['audio:talk']);
  // Shown and read aloud: both carry it.
  assert.deepEqual(where('The word TUESDAY is written across the screen while a narrator reads it aloud: the meeting moved to Tuesday.', ['Tuesday']).sort(), ['audio:reads it aloud', 'visual:word']);
  // An option written as a phrase meets its content words, by stem.
  assert.deepEqual(where('The woman on the phone argues angrily with her boss.', ['She argues with her boss']), ['audio:argues']);
  // Not in the text: nothing.
  assert.deepEqual(where('A man frowns.', ['blue']), []);
});

test('needed from the reference: answer placement first; stock openings and placeholder reasoning prove nothing', () => {
  const opts = ['A. red', 'B. blue', 'C. green'];
  const pw = '<context>Over a plain backdrop, a voice can be heard announcing that the password is blue.</context><think>The answer follows from the clip.</think><answer>B</answer>';
  assert.equal(neededFromReference(pw, 'audio', opts)!.value, true);
  assert.match(neededFromReference(pw, 'audio', opts)!.detail, /puts the answer \(“blue”\) in the audio/);
  // The answer placed in the other modality only is evidence of where it is: not needed.
  assert.equal(neededFromReference(pw, 'visual', opts)!.value, false);
  assert.match(neededFromReference(pw, 'visual', opts)!.detail, /only/);
  // A placeholder reasoning and an answer the context never names: unknown, for both.
  const bare = '<context>A woman stands by a window while a man talks.</context><think>See above.</think><answer>A</answer>';
  assert.deepEqual([neededFromReference(bare, 'audio', ['A. upset', 'B. calm'])!.value, neededFromReference(bare, 'visual', ['A. upset', 'B. calm'])!.value], ['unknown', 'unknown']);
  // The stock opening of every HumanOmniV2 reasoning is no evidence for the picture.
  const stock =
    "<context>A man sits in a car. His voice is low and tired.</context><think>Okay, I'm watching this video. I'm listening to their conversation. He sounds exhausted, so he feels helpless.</think><answer>B</answer>";
  const feelings = ['A. Angry', 'B. Helpless'];
  assert.equal(neededFromReference(stock, 'visual', feelings)!.value, 'unknown');
  assert.equal(neededFromReference(stock, 'audio', feelings)!.value, true);
  // A context that denies a modality outright: not needed.
  const silent = '<context>The screen is dark green with the word SEVEN in white. No sound can be heard.</context><think>...</think><answer>C</answer>';
  assert.equal(neededFromReference(silent, 'audio', ['A. THREE', 'B. FIVE', 'C. SEVEN'])!.value, false);
  assert.equal(neededFromReference(silent, 'visual', ['A. THREE', 'B. FIVE', 'C. SEVEN'])!.value, true);
});

test('options written into the question text are read when the record has no options field', () => {
  assert.deepEqual(optionLines('Which word is the password?\nA. red\nB. blue'), ['A. red', 'B. blue']);
  assert.equal(optionLines('What is the password?'), undefined);
  const record = {
    extras: undefined,
    question: { problem: 'Which word is the password? Options:\n(A) red\n(B) blue' },
    reference: { solution: '<context>A voice announces that the password is blue.</context><think>...</think><answer>B</answer>' },
  };
  assert.deepEqual([neededFor(record, 'audio').value, neededFor(record, 'visual').value], [true, false]);
});
