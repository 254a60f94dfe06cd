import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { LEXICON, modalityBadges, rolloutModalities, sentenceModalities, splitSentences, tagSentence, traceModalities, type Modality } from '../../src/core/modality';
import { parseTrace } from '../../src/core/trace';
import { RolloutViewModel, summarise } from '../../src/core/viewModel';
import type { ScoredRollout } from '../../src/core/types';

/** The modalities a sentence cites, as "visual", "audio!" (negated), sorted in MODALITIES order. */
function tags(sentence: string): string[] {
  return tagSentence(sentence).map((t) => t.modality + (t.negated ? '!' : ''));
}

function expectOnly(sentences: string[], want: string[]): void {
  for (const s of sentences) assert.deepEqual(tags(s), want, s);
}

describe('tagging single-modality sentences', () => {
  test('visual: faces, expressions, clothing, scene, gestures, colours, movement, lighting', () => {
    expectOnly(
      [
        'The woman frowns and looks away from the man.',
        'Her facial expression shifts from surprise to disgust.',
        'He is wearing a dark suit and glasses.',
        'The scene takes place in a dimly lit kitchen.',
        'She shrugs and crosses her arms, a defensive posture.',
        'The man in the red jacket walks toward the door.',
        'I see tears in her eyes.',
        'The lighting is warm, and the camera holds a close-up.',
        'He appears nervous, fidgeting with his hands.',
        'She smiles broadly at the child.',
      ],
      ['visual'],
    );
  });

  test('audio: tone, pitch, pace, volume, voice quality, sighs, laughter, sounds, music', () => {
    expectOnly(
      [
        'His tone is sarcastic.',
        'Her pitch rises sharply at the end.',
        'The pace of the exchange is slow and hesitant.',
        'He shouts at the top of his lungs.',
        'Her voice trembles.',
        'She sighs heavily.',
        'The audience bursts into laughter.',
        'A door bangs somewhere.',
        'Tense music plays underneath.',
        'I hear footsteps.',
        'There is a long pause.',
      ],
      ['audio'],
    );
  });

  test('speech: what was said', () => {
    expectOnly(
      [
        'He says that he is tired of waiting.',
        'She asks whether they can leave early.',
        'The man replies that it was an accident.',
        'She mentions her sister twice.',
        'He tells her to calm down.',
        'She apologizes for being late.',
        '“I never wanted this,” she admits.',
        'The boy explains why he missed school.',
        'Their conversation is about money.',
      ],
      ['speech'],
    );
  });

  test('text: read on screen', () => {
    expectOnly(
      [
        'The subtitle reads "I am fine".',
        "The subtitle reads 'I'm fine'.",
        'A caption at the bottom names the restaurant.',
        'The on-screen text gives the date.',
        'The slide lists three bullet points.',
        'A handwritten note is taped to the fridge.',
        'The sign reads "Closed".',
        'The subtitles are in Spanish.',
        'A banner across the top announces a sale.',
      ],
      ['text'],
    );
  });

  test('none', () => {
    expectOnly(
      [
        'Therefore the answer is B.',
        'Option C is the most plausible.',
        'So the correct choice is A.',
        'Let me reconsider the options.',
        'This rules out option D.',
        "I don't know.",
        'The answer must be 42.',
        'No.',
      ],
      [],
    );
  });
});

describe('negations are claims about a modality', () => {
  test('absence keeps the modality, negated', () => {
    const cases: [string, string[]][] = [
      ['There is no music.', ['audio!']],
      ['Nobody says a word.', ['speech!']],
      ['No one speaks.', ['speech!']],
      ['The screen shows no text.', ['text!']],
      ['The audio is silent.', ['audio!']],
      ['I cannot hear anything.', ['audio!']],
      ['The clip plays without sound.', ['audio!']],
      ["I can't see her face.", ['visual!']],
      ['Her voice cannot be heard.', ['audio!']],
      ['There are no subtitles.', ['text!']],
      ['Music is absent.', ['audio!']],
    ];
    for (const [s, want] of cases) assert.deepEqual(tags(s), want, s);
  });

  test('a negation stays in its clause; a mix is a positive claim', () => {
    assert.deepEqual(tags('There is no music, but she sighs.'), ['audio']);
    assert.deepEqual(tags('She does not smile, and her voice shakes.'), ['visual!', 'audio']);
    assert.deepEqual(tags('There is no doubt she sounds angry.'), ['audio']);
    assert.deepEqual(tags('He does not speak, but he frowns.'), ['visual', 'speech!']);
  });

  test('the cues of a negated tag are kept', () => {
    const [t] = tagSentence('The audio is silent.');
    assert.equal(t!.modality, 'audio');
    assert.equal(t!.negated, true);
    assert.deepEqual(t!.cues, ['audio', 'silent']);
  });
});

describe('several modalities, speech vs text, quotes', () => {
  test('several at once', () => {
    assert.deepEqual(tags('She frowns while her voice rises.'), ['visual', 'audio']);
    assert.deepEqual(tags('He says "I\'m fine" in a flat tone.'), ['audio', 'speech']);
    assert.deepEqual(tags('The subtitle shows him saying he is sorry while he smiles.'), ['visual', 'speech', 'text']);
    assert.deepEqual(tags('She whispers that she is scared, looking at the floor.'), ['visual', 'audio', 'speech']);
  });

  test('what a subtitle says is text; what a person says is speech', () => {
    assert.deepEqual(tags("The subtitle reads 'I'm fine'."), ['text']);
    assert.deepEqual(tags('The caption says "Welcome home".'), ['text']);
    assert.deepEqual(tags("He says 'I'm fine'."), ['speech']);
    const [speech] = tagSentence("He says 'I'm fine'.");
    assert.deepEqual(speech!.cues, ['says', "'I'm fine'"]);
  });

  test('double quotes are speech; single quotes only after a speech cue', () => {
    assert.deepEqual(tags('"Get out of here!" comes out of nowhere.'), ['speech']);
    assert.deepEqual(tags('“Why now?” is all she manages.'), ['speech']);
    assert.deepEqual(tags("The word 'maybe' is interesting."), ['speech']);
    assert.deepEqual(tags("Option 'A' is plausible."), []);
  });

  test('word boundaries: no match inside other words', () => {
    assert.deepEqual(tags('I know the answer is A.'), []);
    assert.deepEqual(tags('Consider the questions carefully.'), []);
    assert.deepEqual(tags('Redundant reasoning is unhelpful.'), []);
  });

  test('case-insensitive', () => {
    assert.deepEqual(tags('SHE SHOUTS.'), ['audio']);
    assert.deepEqual(tags('The SUBTITLE is red.'), ['visual', 'text']);
  });

  test('the lexicon is one table with a note per entry and every modality', () => {
    const mods = new Set(LEXICON.map((e) => e.modality));
    assert.deepEqual([...mods].sort(), ['audio', 'speech', 'text', 'visual']);
    for (const e of LEXICON) assert.ok(e.note.length > 0);
  });
});

describe('sentence splitting', () => {
  test('abbreviations, decimals, quotes, ellipses, newlines, bullets', () => {
    const text = 'He waits, e.g. for 3.5 seconds. Then "Why?" she asks... Mr. Lee nods.\n- first item\n- second item!\n1. The woman frowns.  Wait... Then she leaves. J. Smith enters.';
    const got = splitSentences(text).map((s) => s.text);
    assert.deepEqual(got, [
      'He waits, e.g. for 3.5 seconds.',
      'Then "Why?" she asks...',
      'Mr. Lee nods.',
      '- first item',
      '- second item!',
      '1. The woman frowns.',
      'Wait...',
      'Then she leaves.',
      'J. Smith enters.',
    ]);
  });

  test('closing quotes stay with their sentence', () => {
    const got = splitSentences('She says "I am done." He leaves. “Really?” He nods.').map((s) => s.text);
    assert.deepEqual(got, ['She says "I am done."', 'He leaves.', '“Really?”', 'He nods.']);
  });

  test('offsets slice back to the text', () => {
    const text = '  The man smiles.\n\n  She sighs? Yes!  The caption reads "Paris".';
    const ss = sentenceModalities(text);
    assert.equal(ss.length, 4);
    for (const s of ss) assert.equal(text.slice(s.start, s.end), s.text);
    assert.deepEqual(
      ss.map((s) => s.tags.map((t) => t.modality)),
      [['visual'], ['audio'], [], ['text']],
    );
  });

  test('empty and whitespace-only text give no sentences', () => {
    assert.deepEqual(splitSentences(''), []);
    assert.deepEqual(splitSentences(' \n\t '), []);
  });

  test('every character JavaScript calls whitespace separates sentences and is never part of one', () => {
    // Found by the property below with one seed: an en space (U+2002) came back as a sentence.
    const all = Array.from({ length: 0x10000 }, (_, i) => String.fromCharCode(i)).filter((c) => /\s/.test(c));
    assert.equal(all.length, 25);
    for (const c of all) {
      const name = `U+${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
      assert.deepEqual(splitSentences(c + c), [], name);
      assert.deepEqual(
        splitSentences(`${c}The man smiles.${c}She sighs.${c}`).map((s) => s.text),
        ['The man smiles.', 'She sighs.'],
        name,
      );
    }
  });

  test('property: never throws, in order, no overlaps, covers every non-space character, slices back', () => {
    const alphabet = fc.constantFrom('a', 'B', ' ', '.', '!', '?', '…', '"', "'", '“', '”', '\n', '3', 'e.g.', 'Mr.', '...', '- ', '1. ', 'no ', 'says ', 'silent', '\t', '\u2028', 'é');
    const text = fc.oneof(
      fc.string(),
      fc.string({ unit: 'binary' }),
      fc.array(alphabet, { maxLength: 60 }).map((a) => a.join('')),
    );
    fc.assert(
      fc.property(text, (t) => {
        const ss = sentenceModalities(t);
        let last = 0;
        const covered = new Array<boolean>(t.length).fill(false);
        for (const s of ss) {
          assert.ok(s.start >= last && s.end > s.start && s.end <= t.length, JSON.stringify({ t, s }));
          assert.equal(t.slice(s.start, s.end), s.text);
          assert.ok(!/^\s|\s$/u.test(s.text), `sentence with outer whitespace: ${JSON.stringify(s.text)}`);
          for (let i = s.start; i < s.end; i++) covered[i] = true;
          last = s.end;
        }
        for (let i = 0; i < t.length; i++) {
          if (!covered[i]) assert.match(t[i]!, /\s/u, `uncovered non-space ${JSON.stringify(t[i])} at ${i} in ${JSON.stringify(t)}`);
        }
      }),
      { numRuns: 2000 },
    );
  });
});

describe('trace-level summary and badges', () => {
  const trace = (context: string, think: string) => parseTrace(`<context>${context}</context><think>${think}</think><answer>B</answer>`);

  test('traceModalities covers Context and Think with completion offsets', () => {
    const completion = '<context>She frowns. There is no music.</context><think>He says "no". So B.</think><answer>B</answer>';
    const parsed = parseTrace(completion);
    const m = traceModalities(parsed);
    assert.deepEqual(
      m.sections.map((s) => s.kind),
      ['context', 'think'],
    );
    for (const sec of m.sections) {
      for (const s of sec.sentences) assert.equal(completion.slice(sec.base + s.start, sec.base + s.end), s.text);
    }
    assert.deepEqual(m.counts.visual, { cited: 1, negated: 0 });
    assert.deepEqual(m.counts.audio, { cited: 0, negated: 1 });
    assert.deepEqual(m.counts.speech, { cited: 1, negated: 0 });
    assert.deepEqual(m.counts.text, { cited: 0, negated: 0 });
  });

  test('"cites no audio" only when the clip has audio and nothing audio or speech is cited', () => {
    const silentTrace = traceModalities(trace('A man in a blue shirt sits at a desk.', 'He looks tired. So B.'));
    const b = modalityBadges(silentTrace, { hasAudio: true, hasVideo: true });
    assert.deepEqual(
      b.badges.map((x) => x.label),
      ['cites no audio'],
    );
    assert.deepEqual(b.notes, []);
    assert.deepEqual(modalityBadges(silentTrace, { hasAudio: false, hasVideo: true }).badges, []);
    // Speech alone counts as citing the audio track; so does saying it is silent.
    assert.deepEqual(modalityBadges(traceModalities(trace('He says he is tired.', 'B.')), { hasAudio: true }).badges, []);
    assert.deepEqual(modalityBadges(traceModalities(trace('The audio is silent.', 'B.')), { hasAudio: true }).badges, []);
  });

  test('"cites nothing visual" when the clip has video', () => {
    const heard = traceModalities(trace('Her voice shakes.', 'She sighs. So B.'));
    assert.deepEqual(
      modalityBadges(heard, { hasAudio: true, hasVideo: true }).badges.map((x) => x.code),
      ['cites-nothing-visual'],
    );
  });

  test('unknown streams: no badge, a note instead', () => {
    const none = traceModalities(trace('Therefore.', 'B.'));
    const b = modalityBadges(none, {});
    assert.deepEqual(b.badges, []);
    assert.deepEqual(b.notes, ['clip not probed for audio', 'clip not probed for video']);
    assert.deepEqual(modalityBadges(none, undefined).notes.length, 2);
  });

  test('the view model puts the result on the rollout detail', async () => {
    const completion = '<context>A woman in a red coat stands still.</context><think>Nothing else. So B.</think><answer>B</answer>';
    const scored: ScoredRollout = {
      record: { index: 0, source: { file: 'x.jsonl', line: 1 }, question: {}, reference: {}, completion, clip: { path: 'a.mp4', hasAudio: true } },
      trace: parseTrace(completion),
      rewards: {},
    };
    const model = new RolloutViewModel(
      { title: 't', fileName: 'x.jsonl', format: 'jsonl', host: 'report', trusted: false, getDetail: async () => scored, getMedia: () => ({ status: 'missing', reason: 'none' }) },
      [summarise(scored)],
    );
    const detail = await model.getRollout({ index: 0 });
    assert.deepEqual(detail.modality, rolloutModalities(scored.trace, scored.record.clip));
    assert.deepEqual(
      detail.modality!.badges.map((b) => b.code),
      ['cites-no-audio'],
    );
    assert.deepEqual(detail.modality!.notes, ['clip not probed for video']);
    const first = detail.modality!.sections[0]!.sentences[0]!;
    assert.deepEqual(
      first.tags.map((t) => t.modality as Modality),
      ['visual'],
    );
  });
});

describe('sentence splitting inside quotes', () => {
  test('a quoted utterance of several sentences stays one sentence; an unclosed quote does not swallow the line', () => {
    assert.deepEqual(
      splitSentences('A voice says "Sorry, I cannot come. Maybe next week." Then silence. “One. Two.” He nods.').map((s) => s.text),
      ['A voice says "Sorry, I cannot come. Maybe next week."', 'Then silence.', '“One. Two.”', 'He nods.'],
    );
    assert.deepEqual(
      splitSentences('Unclosed "quote. Next one.\nNew line" here.').map((s) => s.text),
      ['Unclosed "quote.', 'Next one.', 'New line" here.'],
    );
  });
});

describe('context rules of the tagger (issue 14: sentences it used to get wrong)', () => {
  test('on-screen words are read, not heard, unless someone speaks them', () => {
    assert.deepEqual(tags('The screen is dark green with the word SEVEN in white.'), ['visual', 'text']);
    assert.deepEqual(tags('White lettering spells out GATE 5.'), ['visual', 'text']);
    assert.deepEqual(tags('A caption at the bottom says "Ten years later".'), ['text']);
    assert.deepEqual(tags('The logo "Morning Talk" is displayed in the corner.'), ['text']);
    assert.deepEqual(tags('The word TUESDAY is on the screen while a narrator reads it aloud.'), ['speech', 'text']);
    assert.deepEqual(tags("The subtitles show what he's saying."), ['speech', 'text']);
    assert.deepEqual(tags('The subtitles translate her words as "Thank you very much."'), ['speech', 'text']);
    // Without anything on screen, words are someone's.
    assert.deepEqual(tags('Her words are harsh.'), ['speech']);
  });

  test('"on screen" and "off screen" place things; they are not text', () => {
    assert.deepEqual(tags("On screen, there's a male character against a dark background."), ['visual']);
    assert.deepEqual(tags('A door creaks open off screen.'), ['audio']);
  });

  test("what follows a verb of saying is reported: its colours and sights are the speaker's", () => {
    assert.deepEqual(tags('He says the password is blue.'), ['speech']);
    assert.deepEqual(tags('She asks whether anyone has seen her keys.'), ['speech']);
    assert.deepEqual(tags('A voice can be heard announcing that the password is blue.'), ['audio', 'speech']);
    // Before the verb, or in the next clause, it is the observer's.
    assert.deepEqual(tags('The man in the blue shirt says he is sorry.'), ['visual', 'speech']);
    assert.deepEqual(tags('The man explains the plan while pointing at a map.'), ['visual', 'speech']);
  });

  test('the question, an option or an infinitive says nothing', () => {
    assert.deepEqual(tags("The question asks about the man's intention."), []);
    assert.deepEqual(tags('His intention is to apologize.'), []);
  });

  test('places count as seen only when no sound and no text is cited', () => {
    assert.deepEqual(tags('Laughter can be heard from the next room.'), ['audio']);
    assert.deepEqual(tags('Birds are chirping in the background.'), ['audio']);
    assert.deepEqual(tags('Several people are dancing in the background.'), ['visual']);
    assert.deepEqual(tags('The scene takes place in a hospital corridor.'), ['visual']);
  });

  test('people described by how they look, and what the video shows, are seen', () => {
    expectOnly(['The video features a male character.', 'The primary focus is a middle-aged woman.', 'She maintains direct eye contact with him.', 'The footage shows a man kneeling.'], ['visual']);
    // "The video" alone is both picture and sound: no tag.
    assert.deepEqual(tags('This video is about a family dinner.'), []);
  });
});
