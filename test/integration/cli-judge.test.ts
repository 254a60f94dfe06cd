// `omnitrace judge` end to end: the built CLI against a fake chat server on 127.0.0.1.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFakeChatServer, type FakeChatServer, type Script, type RecordedRequest } from '../helpers/fakeChatServer';
import { builtinTemplates } from '../../src/core/judge/builtinTemplates';

const ROOT = join(__dirname, '..', '..');
const CLI = join(ROOT, 'dist', 'cli.js');
const SECRET = 'sk-cli-secret-9f8e7d';
let server: FakeChatServer;
let work: string;
let input: string;

const REF = '<context>A woman at a bus stop checks her watch while a horn sounds.</context><think>She is late.</think><answer>B</answer>';
const rows = [
  { id: 'a', problem: 'How does she feel?', problem_type: 'multiple choice', solution: REF, completion: '<context>ITEM0 a woman, a horn.</context><think>Hurry.</think><answer>B</answer>' },
  { id: 'b', problem: 'How does she feel?', problem_type: 'multiple choice', solution: REF, completion: '<context>ITEM1 a woman.</context><answer>B</answer>' },
  { id: 'c', problem: 'How does she feel?', problem_type: 'multiple choice', solution: '<answer>B</answer>', completion: '<context>ITEM2 x</context><think>y</think><answer>A</answer>' },
  {
    id: 'd',
    problem: 'What is she worried about?',
    problem_type: 'free-form',
    solution: '<context>ref</context><answer>Missing the bus</answer>',
    completion: '<context>ITEM3 bus</context><think>late</think><answer>Being late for the bus</answer>',
  },
  { id: 'e', problem: 'How does she feel?', problem_type: 'multiple choice', solution: REF, completion: '<context>ITEM4 street</context><think>calm</think><answer>A</answer>' },
];

function answer(r: RecordedRequest): Script {
  const p = r.body.messages?.[0]?.content ?? '';
  if (p.includes('Reference description')) return { reply: p.includes('ITEM4') ? 'unsure' : '4' };
  if (p.includes('Award one point')) return { reply: p.includes('ITEM0') ? '1' : '3' };
  if (p.includes('Two answers were given')) return { reply: '4' };
  return { status: 400 };
}

before(async () => {
  const b = spawnSync(process.execPath, ['scripts/build.mjs'], { cwd: ROOT, encoding: 'utf8' });
  assert.equal(b.status, 0, b.stderr);
  server = await startFakeChatServer(answer);
  work = mkdtempSync(join(tmpdir(), 'omnitrace-cli-judge-'));
  input = join(work, 'in.rollouts.jsonl');
  writeFileSync(input, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
});
after(async () => {
  await server.close();
});

function cli(args: string[], opts: { env?: Record<string, string>; onSpawn?: (kill: (sig: NodeJS.Signals) => void) => void } = {}) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const env = { ...process.env, ...opts.env };
    delete env.OPENAI_API_KEY;
    if (!opts.env?.OMNITRACE_JUDGE_API_KEY) delete env.OMNITRACE_JUDGE_API_KEY;
    const child = spawn(process.execPath, [CLI, ...args], { cwd: work, env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    opts.onSpawn?.((sig) => child.kill(sig));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const base = () => ['judge', input, '--judge-base-url', server.baseURL, '--judge-model', 'judge-m', '--backoff-base', '5'];
const readLines = (f: string) =>
  readFileSync(f, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));

test('judge writes one line per rollout with judged rewards and their provenance; the key is sent, never shown', async () => {
  server.requests.length = 0;
  const out = join(work, 'out.jsonl');
  const cache = join(work, 'cache1');
  const r = await cli([...base(), '--out', out, '--cache-dir', cache, '--concurrency', '3'], { env: { OMNITRACE_JUDGE_API_KEY: SECRET } });
  assert.equal(r.code, 0, r.stderr);
  const lines = readLines(out);
  assert.deepEqual(
    lines.map((l) => l.index),
    [0, 1, 2, 3, 4],
  );
  assert.deepEqual(
    lines.map((l) => l.id),
    ['a', 'b', 'c', 'd', 'e'],
  );
  const [a, b, c, d, e] = lines;
  assert.equal(a.rewards.format.value, 1);
  assert.equal(a.rewards.accuracy.value, 1);
  assert.deepEqual([a.rewards.context.status, a.rewards.context.value, a.rewards.context.trainerValue], ['ok', 0.8, 0.8]);
  assert.equal(a.rewards.context.provenance.template.hash, builtinTemplates().context!.hash);
  assert.equal(a.rewards.context.provenance.reply, '4');
  assert.equal(a.rewards.context.provenance.model, 'judge-m');
  assert.ok(a.rewards.context.provenance.prompt.includes('ITEM0 a woman, a horn.'));
  assert.equal(a.rewards.logic.value, 0.2);
  assert.equal(b.rewards.logic.status, 'not-applicable');
  assert.equal(b.rewards.logic.trainerValue, 0);
  assert.equal(b.rewards.context.status, 'ok');
  assert.equal(c.rewards.context.status, 'not-applicable');
  assert.equal(d.rewards.accuracy.status, 'ok', 'free-form accuracy is judged');
  assert.equal(d.rewards.accuracy.value, 0.8);
  assert.ok(d.rewards.accuracy.provenance.prompt.includes('Missing the bus'));
  assert.equal(a.rewards.accuracy.provenance, undefined, 'rule accuracy stays the rule reward');
  assert.deepEqual([e.rewards.context.status, e.rewards.context.value, e.rewards.context.trainerValue], ['parse-failure', null, 0]);
  assert.ok(a.group && typeof a.group.size === 'number');
  // 4 context (not c) + 4 logic (not b) + 1 accuracy (d) calls.
  assert.equal(server.requests.length, 9);
  for (const q of server.requests) assert.equal(q.headers.authorization, `Bearer ${SECRET}`);
  const written = readFileSync(out, 'utf8');
  for (const text of [r.stdout, r.stderr, written]) assert.ok(!text.includes(SECRET), 'the API key appears nowhere');
  assert.match(r.stderr, /context\s+3\s+1\s+0\s+1/);
  assert.match(r.stderr, /calls made: 9 \(0 retries\), cache hits: 0/);
  assert.match(r.stderr, /throughput: [\d.]+ calls\/s/);

  // Re-run over unchanged inputs: no calls, same values.
  server.requests.length = 0;
  const out2 = join(work, 'out2.jsonl');
  const r2 = await cli([...base(), '--out', out2, '--cache-dir', cache], { env: { OMNITRACE_JUDGE_API_KEY: SECRET } });
  assert.equal(r2.code, 0, r2.stderr);
  assert.equal(server.requests.length, 0);
  assert.match(r2.stderr, /calls made: 0 \(0 retries\), cache hits: 9/);
  assert.deepEqual(
    readLines(out2).map((l) => l.rewards.context.value),
    lines.map((l) => l.rewards.context.value),
  );
  assert.equal(readLines(out2)[0].rewards.context.provenance.cacheHit, true);
});

test('--judge-api-key-env names the variable; --markov gates accuracy and adds spans; --stream works', async () => {
  server.requests.length = 0;
  const out = join(work, 'markov.jsonl');
  const r = await cli([...base(), '--out', out, '--no-cache', '--stream', '--markov', '--judge-api-key-env', 'MY_JUDGE_KEY'], { env: { MY_JUDGE_KEY: SECRET } });
  assert.equal(r.code, 0, r.stderr);
  assert.ok(server.requests.every((q) => q.body.stream === true && q.headers.authorization === `Bearer ${SECRET}`));
  const [a] = readLines(out);
  assert.deepEqual(a.markov.gated, ['accuracy'], 'logic 0.2 ≤ 0.4 zeroes accuracy');
  assert.equal(a.rewards.accuracy.value, 0);
  assert.ok(Array.isArray(a.partialSpans.published) && a.partialSpans.published.length === 2);
  assert.equal(a.__completion, undefined);
  assert.ok(!readFileSync(out, 'utf8').includes(SECRET) && !r.stderr.includes(SECRET));
});

test('a template with an unknown variable is a usage error naming file and line', async () => {
  const dir = join(work, 'judges');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'context.md'), '---\nreward: context\nscale: 0-5\ndivide: 5\nparse: number\nvariables: [context]\n---\nRate {context} against {reference}\n');
  const r = await cli([...base(), '--out', join(work, 'x.jsonl'), '--templates', dir]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /context\.md:8: unknown variable \{reference\}/);
  assert.equal(existsSync(join(work, 'x.jsonl')), false);
});

test('Ctrl-C: stop launching, abort in-flight calls, write what finished, exit 130', async () => {
  server.requests.length = 0;
  server.setHandler((req) => ({ ...answer(req), delayMs: server.requests.indexOf(req) < 2 ? 0 : 10_000 }));
  const out = join(work, 'cancel.jsonl');
  const t0 = Date.now();
  const r = await cli([...base(), '--out', out, '--no-cache', '--concurrency', '2', '--rewards', 'context'], {
    onSpawn: (kill) => {
      const poll = setInterval(() => {
        if (server.requests.length >= 4) {
          clearInterval(poll);
          setTimeout(() => kill('SIGINT'), 100);
        }
      }, 20);
    },
  });
  server.setHandler(answer);
  assert.equal(r.code, 130, r.stderr);
  assert.ok(Date.now() - t0 < 8000, 'did not wait for the slow calls');
  const lines = readLines(out);
  assert.equal(lines.length, 5, 'every rollout is written');
  const st = lines.map((l) => [l.rewards.context.status, l.rewards.context.explanation]);
  assert.deepEqual(st.filter(([s]) => s === 'ok').length, 2, JSON.stringify(st));
  assert.ok(
    st.some(([s, e]) => s === 'call-error' && e === 'cancelled'),
    JSON.stringify(st),
  );
  assert.match(r.stderr, /interrupted/);
  assert.match(r.stderr, /cancelled/);
});

test('report --judged shows the judged rewards of judge --out, with their evidence', async () => {
  server.requests.length = 0;
  const out = join(work, 'for-report.jsonl');
  const r = await cli([...base(), '--out', out, '--cache-dir', join(work, 'cache-report')]);
  assert.equal(r.code, 0, r.stderr);
  const html = join(work, 'judged.html');
  const rep = spawnSync(process.execPath, [CLI, 'report', input, '--judged', out, '--out', html], { encoding: 'utf8' });
  assert.equal(rep.status, 0, rep.stderr);
  const data = JSON.parse(/<script type="application\/json" id="omnitrace-data">([\s\S]*?)<\/script>/.exec(readFileSync(html, 'utf8'))![1]!.replace(/\\u003c/g, '<'));
  const first = data.scored.find((s: { record: { index: number } }) => s.record.index === 0);
  assert.equal(first.rewards.context.value, 0.8);
  assert.equal(first.rewards.context.provenance.reply, '4');
  assert.equal(first.rewards.context.provenance.source, 'judge');
  // A file that is not the judge's output of these rollouts is said plainly.
  const bad = spawnSync(process.execPath, [CLI, 'report', input, '--judged', input, '--out', join(work, 'x.html')], { encoding: 'utf8' });
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /no judged reward for these rollouts/);
});

test('batch judging: --batch-export writes the OpenAI Batch requests; --batch-import reads the output into the same rewards and cache; a failed line is a call-error and a later online run calls only for it; --shard splits the calls', async () => {
  server.requests.length = 0;
  const cache = join(work, 'cache-batch');
  const requests = join(work, 'requests.jsonl');
  const noUrl = ['judge', input, '--judge-model', 'judge-m', '--cache-dir', cache];
  const ex = await cli([...noUrl, '--batch-export', requests]);
  assert.equal(ex.code, 0, ex.stderr);
  assert.match(ex.stderr, /wrote 9 batch request lines for 5 rollouts/);
  const lines = readLines(requests);
  // 4 context (not c) + 4 logic (not b) + 1 free-form accuracy (d), as an online run calls.
  assert.equal(lines.length, 9);
  for (const l of lines) {
    assert.deepEqual(Object.keys(l).sort(), ['body', 'custom_id', 'method', 'url']);
    assert.deepEqual([l.method, l.url, l.body.model, l.body.messages.length, l.body.messages[0].role], ['POST', '/v1/chat/completions', 'judge-m', 1, 'user']);
    assert.match(l.custom_id, /^ot-[0-9a-f]{12}-r0-[0-9a-f]{64}$/);
  }
  assert.equal(new Set(lines.map((l) => l.custom_id)).size, 9);
  assert.equal(server.requests.length, 0, 'export makes no call');

  // What vLLM run-batch (or a batch API) returns: one output line per request, in any order; one failed, one line not ours.
  const failedId = lines[0].custom_id;
  const outputs = lines.reverse().map((l, i) => {
    if (l.custom_id === failedId) return { id: `b-${i}`, custom_id: l.custom_id, response: { status_code: 500, body: { error: { message: 'engine overloaded' } } }, error: null };
    const reply = answer({ n: i, url: '', headers: {}, body: l.body, at: 0 }).reply!;
    return {
      id: `b-${i}`,
      custom_id: l.custom_id,
      response: {
        status_code: 200,
        request_id: `r-${i}`,
        body: { object: 'chat.completion', model: 'judge-m', choices: [{ index: 0, message: { role: 'assistant', content: reply }, finish_reason: 'stop' }] },
      },
      error: null,
    };
  });
  const results = join(work, 'results.jsonl');
  writeFileSync(results, [...outputs.map((o) => JSON.stringify(o)), '{"custom_id": "someone-else", "response": null, "error": null}', 'not json'].join('\n') + '\n');
  const out = join(work, 'batch-out.jsonl');
  const im = await cli([...noUrl, '--batch-import', results, '--out', out]);
  assert.equal(im.code, 3, 'one judgment ended as call-error');
  assert.match(im.stderr, /imported 8 replies .*; 1 failed call/);
  assert.match(im.stderr, /skipped .*results\.jsonl:10: custom_id "someone-else"/);
  assert.match(im.stderr, /skipped .*results\.jsonl:11: not JSON/);
  assert.equal(server.requests.length, 0, 'import makes no call');
  const judged = readLines(out);
  const all = judged.flatMap((l) => Object.values(l.rewards).filter((r: any) => r.provenance?.source === 'judge' && r.status !== 'not-applicable')) as any[];
  assert.equal(all.length, 9);
  const failed = all.filter((r) => r.status === 'call-error');
  assert.equal(failed.length, 1);
  assert.equal(failed[0].value, null, 'a failed line is never a number');
  assert.match(failed[0].explanation, /engine overloaded/);
  const a = judged.find((l) => l.id === 'a');
  const ok = all.filter((r) => r.status !== 'call-error');
  assert.ok(ok.every((r) => r.provenance.cacheHit && /^batch .*results\.jsonl:\d+$/.test(r.provenance.repeats[0].origin)));
  assert.ok(ok.every((r) => r.provenance.endpoint === `batch:${results}`));
  // The same values an online judge gives (see the first test), where the call did not fail.
  if (a.rewards.context.status === 'ok') assert.equal(a.rewards.context.value, 0.8);
  if (a.rewards.logic.status === 'ok') assert.equal(a.rewards.logic.value, 0.2);

  // Online afterwards, over the same cache: only the failed call is made.
  const online = await cli([...base(), '--cache-dir', cache, '--out', join(work, 'after-batch.jsonl')]);
  assert.equal(online.code, 0, online.stderr);
  assert.equal(server.requests.length, 1);
  assert.match(online.stderr, /cache hits: 8/);

  // Shards: disjoint, together the whole export, groups kept whole (the file's two questions fall in different shards of 7).
  const shardLines: string[][] = [];
  for (let i = 1; i <= 7; i++) {
    const f = join(work, `requests-${i}.jsonl`);
    const r = await cli([...noUrl.slice(0, 4), '--cache-dir', join(work, 'cache-empty'), '--batch-export', f, '--shard', `${i}/7`]);
    assert.equal(r.code, 0, r.stderr);
    shardLines.push(
      readFileSync(f, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l).custom_id as string),
    );
  }
  const flat = shardLines.flat();
  assert.equal(new Set(flat).size, flat.length, 'no call in two shards');
  assert.deepEqual(flat.sort(), lines.map((l) => l.custom_id).sort());
  assert.deepEqual(
    shardLines
      .map((x) => x.length)
      .filter((n) => n > 0)
      .sort(),
    [3, 6],
    'the free-form rollout (context, logic, accuracy) in one shard, the four rollouts of the other group (6 calls) together in another',
  );
  const bad = await cli([...noUrl, '--batch-export', join(work, 'x.jsonl'), '--shard', '3/2']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /i must be from 1 to N/);
  const both = await cli([...noUrl, '--batch-export', join(work, 'x.jsonl'), '--batch-import', results]);
  assert.equal(both.code, 2);
  const noUrlOnline = await cli([...noUrl, '--out', join(work, 'y.jsonl')]);
  assert.equal(noUrlOnline.code, 2);
  assert.match(noUrlOnline.stderr, /--judge-base-url is required/);
});

test('several judge replicas: calls spread over the live ones, a dead one is backed off without failing the run, provenance names the replica', async () => {
  const others = [await startFakeChatServer(answer), await startFakeChatServer(answer)];
  const dead = await startFakeChatServer(answer);
  const deadURL = dead.baseURL;
  await dead.close();
  try {
    server.requests.length = 0;
    const out = join(work, 'replicas.jsonl');
    const urls = [deadURL, server.baseURL, ...others.map((o) => o.baseURL)].join(',');
    const r = await cli(['judge', input, '--judge-base-url', urls, '--judge-model', 'judge-m', '--backoff-base', '5', '--no-cache', '--concurrency', '4', '--out', out]);
    assert.equal(r.code, 0, r.stderr);
    const judged = readLines(out).flatMap((l) => Object.values(l.rewards).filter((x: any) => x.provenance?.source === 'judge' && x.status !== 'not-applicable')) as any[];
    assert.equal(judged.length, 9);
    assert.ok(judged.every((x) => x.status !== 'call-error'));
    const served = [server, ...others].map((s) => s.requests.length);
    assert.equal(
      served.reduce((a, b) => a + b, 0),
      9,
    );
    assert.ok(served.filter((n) => n > 0).length >= 2, `calls spread over the live replicas: ${served}`);
    const endpoints = new Set(judged.map((x) => x.provenance.repeats[0].endpoint));
    assert.ok(!endpoints.has(deadURL) && [...endpoints].every((e) => [server.baseURL, ...others.map((o) => o.baseURL)].includes(e)));
  } finally {
    for (const o of others) await o.close();
  }
});
