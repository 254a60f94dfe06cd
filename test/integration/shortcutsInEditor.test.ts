// "Find Shortcuts" through the built extension with a fake `vscode`: real ffmpeg, real Silero VAD
// and PaddleOCR on the demo clips. The sidecar lands under .omnitrace/shortcuts/ (the rollout file
// untouched), rows and details carry the verdicts and the cue inventory, reopening the file shows
// the saved analysis, and Restricted Mode runs nothing.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import { extensionSnapshot, repoRoot } from '../helpers/builtExtension';
import { activateBuilt, createFakePanel, createFakeVscode, fakeToken, FakeUri } from '../helpers/fakeVscode';
import type { ShortcutLine } from '../../src/core/shortcuts/types';
import type { RolloutDetail } from '../../src/protocol/messages';
import { startFakeChatServer } from '../helpers/fakeChatServer';

let dir: string;
let file: string;

const trace = (c: string, t: string, a: string) => `<context>${c}</context><think>${t}</think><answer>${a}</answer>`;
const rows = [
  {
    id: 'call-visual-only',
    problem: 'How does the caller feel about cancelling?',
    options: ['A. Relieved', 'B. Reluctant and sad', 'C. Angry', 'D. Excited'],
    problem_type: 'multiple choice',
    video: 'phone-call.mp4',
    solution: trace('A person in a dim hallway says "Sorry, I can\'t make it tonight" in a slow, low voice.', 'The low, slow voice sounds reluctant.', 'B'),
    completion: trace('A dim blue hallway with a brown box in the middle of the frame.', 'The dim lighting looks sad.', 'B'),
  },
  {
    id: 'slide-claims-audio',
    problem: 'How many boxes are counted?',
    problem_type: 'numerical',
    video: 'slide-count.mp4',
    solution: trace('The slide reads "Total: 42 boxes".', 'The number on the slide is 42.', '42'),
    completion: trace('A voice says there are forty-two boxes. The slide reads "Total: 42 boxes".', 'The speaker says 42.', '42'),
  },
];

before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'omnitrace-shortcuts-editor-'));
  for (const clip of ['phone-call.mp4', 'slide-count.mp4']) fs.copyFileSync(path.join(repoRoot, 'media', 'demo', clip), path.join(dir, clip));
  file = path.join(dir, 'eval.rollouts.jsonl');
  fs.writeFileSync(file, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
});
after(() => fs.rmSync(dir, { recursive: true, force: true }));

async function openInEditor(trusted: boolean, configure: (fake: ReturnType<typeof createFakeVscode>) => void = () => undefined) {
  const fake = createFakeVscode({ trusted, workspaceFolders: [dir] });
  // The first quick pick (what to measure) takes the local analysis.
  (fake.vscode.window as { showQuickPick: unknown }).showQuickPick = async (items: { label: string }[]) => items[0];
  configure(fake);
  const ext = activateBuilt(extensionSnapshot(), repoRoot, fake);
  const provider = fake.state.editorProviders.find((p) => p.viewType === 'omnitrace.rollouts')!.provider;
  const doc = await provider.openCustomDocument(FakeUri.file(file), {}, fakeToken);
  await provider.resolveCustomEditor(doc, createFakePanel().panel, fakeToken);
  await doc.whenLoaded();
  const run = (id: string) => fake.state.commands.get(id)!.fn();
  return { ...fake, ext, doc, run, provider };
}

const sha = (p: string) => createHash('sha256').update(fs.readFileSync(p)).digest('hex');

test('Find Shortcuts writes the sidecar, and the view shows verdicts, claims and the cue inventory', async () => {
  const before = sha(file);
  const { doc, run, state, ext } = await openInEditor(true);
  try {
    await run('omnitrace.findShortcuts');
    assert.equal(sha(file), before, 'the rollout file is never modified');
    const errors = state.messages.filter((m) => m.level === 'error').map((m) => m.text);
    assert.deepEqual(errors, []);
    const dirOut = path.join(dir, '.omnitrace', 'shortcuts');
    const sidecars = fs.readdirSync(dirOut);
    assert.equal(sidecars.length, 1);
    const lines = fs
      .readFileSync(path.join(dirOut, sidecars[0]!), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as ShortcutLine);
    assert.deepEqual(
      lines.map((l) => l.id),
      ['call-visual-only', 'slide-claims-audio'],
    );
    assert.ok(
      lines.every((l) => !l.error && l.shortcut),
      JSON.stringify(lines.map((l) => l.error)),
    );

    // The phone call has speech; the slide has no audio stream and text on screen.
    const call: RolloutDetail = await doc.store.model.getRollout({ index: 0 });
    assert.ok(call.cues, `the inventory comes back with the detail: ${call.shortcutError ?? ''} ${call.shortcut?.inventoryError ?? ''} ${call.shortcut?.inventoryKey ?? ''}`);
    assert.equal(call.cues!.audio.present, true);
    assert.ok(call.cues!.audio.speechSeconds > 1, `speech found: ${call.cues!.audio.speechSeconds}`);
    assert.equal(call.shortcut!.audio.claimed.value, false, 'the trace cites no audio');
    assert.equal(call.shortcut!.audio.needed.value, true, 'the reference context cites the voice');
    assert.notEqual(call.shortcut!.audio.verdict, 'grounded');
    // No ablations were run: "used" is unmeasured and the verdict says so.
    assert.equal(call.shortcut!.audio.used.value, 'unknown');
    assert.notEqual(call.shortcut!.audio.confidence, 'high');
    assert.ok(call.shortcut!.ablationNote, 'why no ablation ran is stated');

    const slide: RolloutDetail = await doc.store.model.getRollout({ index: 1 });
    assert.equal(slide.cues!.audio.present, false);
    assert.equal(slide.shortcut!.audio.verdict, 'not-applicable');
    assert.ok(
      slide.shortcut!.audio.claimed.findings.some((f) => f.kind === 'hallucinated-audio'),
      'a voice claimed on a clip without audio is a hallucinated cue',
    );
    assert.ok(
      slide.cues!.visual.textTracks.some((t) => /42/.test(t.text)),
      JSON.stringify(slide.cues!.visual.textTracks),
    );

    // Rows and the init carry the verdicts and the rates.
    assert.equal(doc.store.model.row(1)!.shortcut!.audio, 'not-applicable');
    const init = await doc.store.model.getInit();
    assert.equal(init.shortcuts!.rollouts, 2);
    assert.ok(
      state.messages.some((m) => /shortcut rate/.test(m.text)),
      state.messages.map((m) => m.text).join('\n'),
    );
    assert.ok(fs.readdirSync(path.join(dir, '.omnitrace', 'cues')).length >= 2, 'inventories cached per clip');
  } finally {
    ext.deactivate();
  }

  // Reopened (even in Restricted Mode, which only reads): the saved analysis shows with the rows.
  const again = await openInEditor(false);
  try {
    for (let i = 0; i < 50 && !again.doc.store.model.row(0)?.shortcut; i++) await new Promise((r) => setTimeout(r, 20));
    assert.ok(again.doc.store.model.row(0)?.shortcut, 'the sidecar is shown on open');
    assert.ok((await again.doc.store.model.getRollout({ index: 1 })).cues);
  } finally {
    again.ext.deactivate();
  }
});

test('in Restricted Mode Find Shortcuts runs nothing and says why', async () => {
  const { run, state, ext } = await openInEditor(false);
  try {
    const cues = path.join(dir, '.omnitrace', 'cues');
    const beforeCues = fs.existsSync(cues) ? fs.readdirSync(cues).length : 0;
    await run('omnitrace.findShortcuts');
    assert.ok(state.messages.some((m) => /Restricted Mode/.test(m.text)));
    assert.equal(fs.existsSync(cues) ? fs.readdirSync(cues).length : 0, beforeCues);
    assert.equal(state.progress.length, 0);
  } finally {
    ext.deactivate();
  }
});

test('with a judge profile picked, questions without a reference context get "needed" from the judge (one call per question)', async () => {
  const server = await startFakeChatServer(() => ({ reply: '{"needed": "audio", "reason": "the answer is what the caller says"}' }));
  const bare = path.join(dir, 'bare.rollouts.jsonl');
  const row = { ...rows[0], id: 'no-reference', solution: '<answer>B</answer>' };
  fs.writeFileSync(bare, [row, { ...row, id: 'same-question' }].map((r) => JSON.stringify(r)).join('\n') + '\n');
  const fake = createFakeVscode({ trusted: true, workspaceFolders: [dir] });
  fake.state.config['omnitrace.judge.profiles'] = [{ name: 'judge', baseURL: server.baseURL, model: 'judge-test', maxRetries: 0, timeoutMs: 5000 }];
  (fake.vscode.window as { showQuickPick: unknown }).showQuickPick = async (items: { label: string }[]) => items.find((i) => i.label.startsWith('Judge:')) ?? items[0];
  const ext = activateBuilt(extensionSnapshot(), repoRoot, fake);
  try {
    const provider = fake.state.editorProviders.find((p) => p.viewType === 'omnitrace.rollouts')!.provider;
    const doc = await provider.openCustomDocument(FakeUri.file(bare), {}, fakeToken);
    await provider.resolveCustomEditor(doc, createFakePanel().panel, fakeToken);
    await doc.whenLoaded();
    await fake.state.commands.get('omnitrace.findShortcuts')!.fn();
    assert.deepEqual(
      fake.state.messages.filter((m) => m.level === 'error').map((m) => m.text),
      [],
    );
    const d: RolloutDetail = await doc.store.model.getRollout({ index: 1 });
    assert.equal(d.shortcut!.audio.needed.from, 'judge');
    assert.equal(d.shortcut!.audio.needed.value, true);
    const classify = server.requests.filter((r) => JSON.stringify(r.body).includes('How does the caller feel'));
    assert.equal(classify.length, 1, 'the two rollouts of one question share one classification');
    assert.ok(!JSON.stringify(classify[0]!.body).includes('brown box'), 'the judge never sees the completion');
  } finally {
    ext.deactivate();
    await server.close();
  }
});

test('profile lists from settings: incomplete entries and keys written into settings are reported, the rest offered', async () => {
  let offered: string[] = [];
  const { run, state, ext } = await openInEditor(true, (fake) => {
    fake.state.config['omnitrace.checkpoints.profiles'] = [{ name: 'half' }, { name: 'ok', baseURL: 'http://127.0.0.1:9/v1', model: 'm', apiKey: 'sk-in-settings' }];
    fake.state.config['omnitrace.judge.profiles'] = 'not a list';
    // Note what the first pick offers and take the local analysis (the judge list is read next).
    (fake.vscode.window as { showQuickPick: unknown }).showQuickPick = async (items: { label: string }[]) => {
      if (!offered.length) offered = items.map((i) => i.label);
      return items[0];
    };
  });
  try {
    await run('omnitrace.findShortcuts');
    assert.deepEqual(offered, ['Clip and trace only (local, no model calls)', 'Ablations against ok']);
    const log = state.outputChannels.flatMap((ch) => ch.lines).join('\n');
    assert.match(log, /checkpoint profile 1 lacks baseURL, model/);
    assert.match(log, /checkpoint profile 'ok' has an apiKey in settings: it is ignored — use "Omni Trace: Set Checkpoint API Key…"/);
    assert.match(log, /omnitrace\.judge\.profiles must be a list/);
    assert.doesNotMatch(log, /sk-in-settings/);
  } finally {
    ext.deactivate();
  }
});
