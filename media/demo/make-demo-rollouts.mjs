// Writes media/demo/demo.rollouts.jsonl: hand-written traces for the demo clips, covering what a
// researcher meets in a real dump — correct and wrong answers, every common way the format check
// fails, each rule-based problem type with its quirks, and one GRPO group of 8.
// Run: node media/demo/make-demo-rollouts.mjs (the output is committed).
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const here = dirname(fileURLToPath(import.meta.url));
const trace = (context, think, answer) => `<context>${context}</context>\n<think>${think}</think>\n<answer>${answer}</answer>`;

const call = {
  video: 'phone-call.mp4',
  problem: 'How does the speaker most likely feel about cancelling the plan?',
  options: ['A. Relieved', 'B. Regretful', 'C. Furious', 'D. Indifferent'],
  problem_type: 'multiple choice',
  answer: 'B',
  solution: trace(
    'A dim hallway in the evening. The speaker says "Sorry, I can\'t make it tonight. Maybe next week, I guess." ' +
      'The voice is slow and low-pitched and trails off at the end; the same words appear as a subtitle.',
    'The words are an apology, and the trailing "I guess" suggests reluctance. The slow, low delivery points to ' +
      'sadness rather than anger or relief. Nothing suggests indifference: the speaker offers another date.',
    'B',
  ),
};

const slide = {
  video: 'slide-count.mp4',
  problem: 'How many boxes does the slide report?',
  problem_type: 'numerical',
  answer: '42',
  solution: trace('A static slide titled "Warehouse check" reads "Total: 42 boxes". There is no audio track.', 'The number is written on the slide.', '42'),
};

const bell = {
  audio: 'doorbell.wav',
  problem: 'Which sounds can be heard? Choose all that apply.',
  options: ['A. A dog barking', 'B. A chime', 'C. A voice', 'D. Rain'],
  problem_type: 'emer_ov_mc',
  answer: 'B,C',
  solution: trace('A two-tone chime, then a cheerful voice says "Hi! Your package is here."', 'The chime and the voice are both audible; there is no barking or rain.', 'B,C'),
};

const rows = [];
const add = (id, base, completion, extra = {}) => {
  const { answer, ...rest } = base;
  rows.push({ id, checkpoint: 'demo-ckpt-step400', step: 400, ...rest, answer, ...extra, completion });
};

// --- Singles: one of each interesting case -------------------------------------------------
add('call-good', call, trace(
  'The clip shows a dim hallway. A voice says "Sorry, I can\'t make it tonight. Maybe next week, I guess." ' +
    'It speaks slowly, in a low tone, and fades out on "I guess". The subtitle repeats the words.',
  'An apology plus a vague offer for next week. The low, slow voice sounds let down, not angry. ' +
    'Let me check the audio again: no raised volume, no sharp emphasis, so C is unlikely. Relief would sound lighter. B fits.',
  'B',
));
add('call-wrong', call, trace(
  'A hallway. The subtitle says "Sorry, I can\'t make it tonight."',
  'The person is cancelling, which may mean they did not want to go. That sounds like relief.',
  'A',
));
add('call-lowercase', call, trace(
  'Subtitle: "Sorry, I can\'t make it tonight." The speaker sounds quiet and sad.',
  'Sad and apologetic means regret.',
  'b',
));
add('call-leading-space', call, '\n' + trace('A hallway; an apologetic voice.', 'Apology and a low voice: regret.', 'B'));
add('call-unclosed-think', call,
  '<context>A voice apologises for cancelling.</context>\n<think>The tone is low and slow, so the speaker is probably');
add('call-text-between', call,
  '<context>A voice apologises and offers next week instead.</context>\nOkay, now let me reason.\n<think>Apologising and offering another date suggests regret.</think>\n<answer>B</answer>');
add('call-wrong-case', call,
  '<Context>The speaker says they cannot come tonight.</Context><Think>They sound disappointed.</Think><Answer>B</Answer>');
add('call-answer-only', call, 'The answer is B.');
add('call-trailing-text', call, trace('A hallway, a sad voice cancelling plans.', 'Regret fits the tone.', 'B') + '\nHope this helps!');
add('call-xss', call, trace(
  'The subtitle shows <img src=x onerror="alert(1)"> and <script>alert(2)</script> as literal text.',
  'Markup in model output must appear as text, never run.',
  'B',
));

add('slide-42', slide, trace('A slide says "Total: 42 boxes". No sound.', 'The slide states the total directly.', '42'));
add('slide-42.0', slide, trace('The slide reads Total: 42 boxes.', 'So the count is 42.0.', '42.0'));
add('slide-words', slide, trace('A slide with a number on it.', 'It says forty-two.', 'forty-two'));

add('bell-both', bell, trace('A chime, then a voice announcing a delivery.', 'Chime and voice are audible.', 'B,C'));
add('bell-one', bell, trace('A doorbell chime.', 'I hear a chime.', 'B'));
add('bell-repeat', bell, trace('A chime and a voice.', 'Chime, voice, and the chime again.', 'B,C,B'));
add('bell-spaced', bell, trace('A chime and a voice.', 'Both are present.', 'B, C'));

add('call-judge-know', { ...call, options: undefined, problem: 'Does the speaker agree to meet tonight?', problem_type: 'judge', answer: 'No',
  solution: trace('The speaker cancels tonight\'s plan.', 'Cancelling means not meeting.', 'No') },
  trace('A voice apologises.', 'It is hard to tell from the words alone.', "I don't know"));
add('call-free-form', { ...call, options: undefined, problem: 'Why might the speaker suggest next week?', problem_type: 'free-form', answer: 'To make up for cancelling.',
  solution: trace('The speaker cancels and proposes next week.', 'Offering a new date softens the refusal.', 'To make up for cancelling tonight.') },
  trace('The speaker cancels and mentions next week.', 'Proposing another time keeps the friendship warm.', 'They want to make up for cancelling.'));
add('call-ocr', { ...call, options: undefined, problem: 'What does the subtitle say?', problem_type: 'OCR', answer: "Sorry, I can't make it tonight.",
  solution: trace('A subtitle at the bottom of the frame.', 'Read it word by word.', "Sorry, I can't make it tonight.") },
  trace('White subtitle text on a dark box.', 'Reading it.', "Sorry, I can not make it tonight."));

// --- One GRPO group of 8 samples for the same prompt ---------------------------------------
const groupAnswers = [
  ['B', true], ['B', true], ['A', true], ['B', false], ['D', true], ['B', true], ['B', true], ['C', true],
];
groupAnswers.forEach(([ans, wellFormed], i) => {
  const completion = wellFormed
    ? trace(
        `Sample ${i + 1}: a dim hallway; the voice says it cannot make it tonight and mentions next week.`,
        ans === 'B' ? 'Apology plus a low, slow voice: regret.' : `Going with ${ans} after a quick look.`,
        ans,
      )
    : `<think>Skipping the description. The answer is regret.</think><answer>${ans}</answer>`;
  add(`call-g${i + 1}`, call, completion, { group_id: 'call-grpo-1', step: 410 });
});

// --- A group where every sample agrees: zero variance, no learning signal -------------------
for (let i = 0; i < 4; i++) {
  add(`slide-g${i + 1}`, slide, trace(`Slide ${i + 1}: "Total: 42 boxes".`, 'Read off the slide.', '42'), { group_id: 'slide-grpo-1', step: 410 });
}

writeFileSync(join(here, 'demo.rollouts.jsonl'), rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
console.log(`wrote ${rows.length} rollouts to media/demo/demo.rollouts.jsonl`);
