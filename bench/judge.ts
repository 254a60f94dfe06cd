// bench:judge — throughput of the judge pipeline against a local chat server that answers every
// request after a fixed 50 ms (in its own process, so it does not share our event loop).
// Prints JSON: for concurrency 1, 8 and 32, calls/s achieved and its ratio to the bound
// (concurrency ÷ latency); then the time of a fully cached re-run of 2,000 rollouts.
// Targets: ratio ≥ 0.9 at every level; cached re-run < 1 s. Then four replicas of that server with
// no router at concurrency 64, our judge against an ideal client (keep-alive http, round robin,
// nothing else) in the same run: target ≥ 0.95 of its calls per second.
// Run: npm run bench:judge.
// The machine's load average is printed too: on shared cores the ratios drop with other work.

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { judgeToJsonl } from '../src/services/judgeFile';
import { JudgeRunner } from '../src/core/judge/runner';
import { JudgeCache } from '../src/core/judge/cache';
import { builtinTemplates } from '../src/core/judge/builtinTemplates';
import { DEFAULT_PROFILE, type JudgeProfile } from '../src/core/judge/types';
import { OpenAIChatBackend } from '../src/models/openaiChat';
import type { ReplicaPool } from '../src/models/replicaPool';
import { chatBackendFor } from '../src/services/judgeService';
import { median } from './common';
import http from 'node:http';

const LATENCY_MS = 50;
const N = 2000;
const N_SERIAL = 200;

const SERVER = `
const http = require('node:http');
const s = http.createServer((req, res) => {
  const parts = [];
  req.on('data', (c) => parts.push(c));
  req.on('end', () => setTimeout(() => {
    const body = JSON.stringify({ id: 'x', object: 'chat.completion', created: 0, model: 'bench',
      choices: [{ index: 0, message: { role: 'assistant', content: '4' }, finish_reason: 'stop' }],
      usage: { prompt_tokens: 100, completion_tokens: 1, total_tokens: 101 } });
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  }, ${LATENCY_MS}));
});
s.keepAliveTimeout = 60000;
s.listen(0, '127.0.0.1', () => console.log(s.address().port));
`;

async function startServer(): Promise<{ url: string; stop(): void }> {
  const child = spawn(process.execPath, ['-e', SERVER], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<string>((resolve) => child.stdout.once('data', (d) => resolve(String(d).trim())));
  return { url: `http://127.0.0.1:${port}/v1`, stop: () => child.kill() };
}

function writeInput(dir: string, n: number): string {
  const file = join(dir, `rollouts-${n}.jsonl`);
  const ref = '<context>A woman at a bus stop checks her watch while a horn sounds.</context><think>Late.</think><answer>B</answer>';
  const lines: string[] = [];
  for (let i = 0; i < n; i++) {
    lines.push(
      JSON.stringify({
        id: `r${i}`,
        problem: `Question ${i}?`,
        problem_type: 'multiple choice',
        solution: ref,
        completion: `<context>Rollout ${i}: a woman, a horn, a watch.</context><think>She hurries.</think><answer>B</answer>`,
      }),
    );
  }
  writeFileSync(file, lines.join('\n') + '\n');
  return file;
}

async function run(url: string, input: string, out: string, concurrency: number, cacheDir?: string) {
  const profile: JudgeProfile = { ...DEFAULT_PROFILE, name: 'bench', baseURL: url, model: 'bench', concurrency, timeoutMs: 10_000 };
  let firstStart = 0;
  let lastEnd = 0;
  const runner = new JudgeRunner({
    onEvent: (e) => {
      if (e.type === 'call-start' && !firstStart) firstStart = performance.now();
      if (e.type === 'call-end') lastEnd = performance.now();
    },
    profile,
    backend: new OpenAIChatBackend({ baseURL: url }),
    templates: { context: builtinTemplates().context! },
    cache: cacheDir ? new JudgeCache(cacheDir) : undefined,
  });
  const t0 = performance.now();
  const s = await judgeToJsonl(input, { runner, rewards: ['context'], out });
  const secs = (performance.now() - t0) / 1000;
  const ok = s.byReward.context?.ok ?? 0;
  if (ok !== s.rollouts) throw new Error(`only ${ok} of ${s.rollouts} judged ok: ${JSON.stringify(s.byReward)}`);
  const callSecs = lastEnd > firstStart ? (lastEnd - firstStart) / 1000 : 0;
  return { secs, callSecs, calls: s.stats.calls, cacheHits: s.stats.cacheHits, meanLatencyMs: s.stats.okCalls ? s.stats.latencySumMs / s.stats.okCalls : null, maxInFlight: s.stats.maxInFlight };
}

/**
 * The peer: the least a client can do — node:http with keep-alive, `concurrency` requests in
 * flight, round-robin over the replicas, the same request body, the reply parsed and nothing else.
 */
async function idealClient(urls: string[], n: number, concurrency: number): Promise<number> {
  const agents = urls.map(() => new http.Agent({ keepAlive: true, maxSockets: concurrency }));
  const body = JSON.stringify({ model: 'bench', messages: [{ role: 'user', content: 'x'.repeat(600) }], temperature: 0, max_tokens: 512 });
  const one = (i: number) =>
    new Promise<void>((resolve, reject) => {
      const u = new URL(`${urls[i % urls.length]}/chat/completions`);
      const req = http.request(
        {
          host: u.hostname,
          port: u.port,
          path: u.pathname,
          method: 'POST',
          agent: agents[i % urls.length],
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
        },
        (res) => {
          const parts: Buffer[] = [];
          res.on('data', (c: Buffer) => parts.push(c));
          res.on('end', () => {
            JSON.parse(Buffer.concat(parts).toString('utf8'));
            resolve();
          });
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n) await one(next++);
    }),
  );
  const secs = (performance.now() - t0) / 1000;
  for (const a of agents) a.destroy();
  return n / secs;
}

/** Our judge (judgeToJsonl, whole run) against `urls` as replicas of one profile, calls per second. */
async function replicaRun(urls: string[], input: string, out: string, concurrency: number): Promise<{ callsPerSecond: number; perReplica: number[] }> {
  const profile: JudgeProfile = { ...DEFAULT_PROFILE, name: 'bench', baseURL: urls[0]!, baseURLs: urls, model: 'bench', concurrency, timeoutMs: 10_000 };
  const backend = chatBackendFor(profile);
  const runner = new JudgeRunner({ profile, backend, templates: { context: builtinTemplates().context! } });
  const t0 = performance.now();
  const s = await judgeToJsonl(input, { runner, rewards: ['context'], out });
  const secs = (performance.now() - t0) / 1000;
  if ((s.byReward.context?.ok ?? 0) !== s.rollouts) throw new Error(`replicas: only ${s.byReward.context?.ok} of ${s.rollouts} judged ok`);
  return { callsPerSecond: s.stats.calls / secs, perReplica: (backend as ReplicaPool).stats().map((r) => r.calls) };
}

async function main() {
  const loadAtStart = loadavg().map((x) => +x.toFixed(2));
  const dir = mkdtempSync(join(tmpdir(), 'omnitrace-bench-judge-'));
  const server = await startServer();
  try {
    const big = writeInput(dir, N);
    const small = writeInput(dir, N_SERIAL);
    // Warm up connections and JIT (not measured).
    await run(server.url, small, join(dir, 'warm.jsonl'), 8);
    const levels = [];
    for (const c of [1, 8, 32]) {
      const input = c === 1 ? small : big;
      const r = await run(server.url, input, join(dir, `out-${c}.jsonl`), c);
      const achieved = r.calls / r.secs;
      const bound = c / (LATENCY_MS / 1000);
      levels.push({
        concurrency: c,
        rollouts: c === 1 ? N_SERIAL : N,
        calls: r.calls,
        seconds: +r.secs.toFixed(3),
        callsPerSecond: +achieved.toFixed(1),
        boundCallsPerSecond: bound,
        ratio: +(achieved / bound).toFixed(3),
        // The same over the calling phase only (first call sent to last reply), without the fixed
        // cost of reading the input and writing the output.
        callPhaseSeconds: +r.callSecs.toFixed(3),
        callPhaseRatio: +(r.calls / r.callSecs / bound).toFixed(3),
        meanLatencyMs: r.meanLatencyMs === null ? null : +r.meanLatencyMs.toFixed(1),
        maxInFlight: r.maxInFlight,
      });
    }
    const cacheDir = join(dir, 'cache');
    await run(server.url, big, join(dir, 'fill.jsonl'), 32, cacheDir);
    const cached = await run(server.url, big, join(dir, 'cached.jsonl'), 32, cacheDir);
    if (cached.calls !== 0) throw new Error(`cached re-run made ${cached.calls} calls`);
    // Four replicas, no router, concurrency 64: our judge against the ideal client, alternating, medians of 3.
    const replicas = await Promise.all([0, 1, 2, 3].map(() => startServer()));
    let replicaReport: unknown;
    let replicaRatio = 0;
    try {
      const urls = replicas.map((r) => r.url);
      await idealClient(urls, 500, 64);
      const ideal: number[] = [];
      const ours: number[] = [];
      let perReplica: number[] = [];
      for (let i = 0; i < 3; i++) {
        ideal.push(await idealClient(urls, N, 64));
        const r = await replicaRun(urls, big, join(dir, `replicas-${i}.jsonl`), 64);
        ours.push(r.callsPerSecond);
        perReplica = r.perReplica;
      }
      replicaRatio = median(ours) / median(ideal);
      replicaReport = {
        replicas: 4,
        concurrency: 64,
        calls: N,
        idealClientCallsPerSecond: +median(ideal).toFixed(1),
        oursCallsPerSecond: +median(ours).toFixed(1),
        ratio: +replicaRatio.toFixed(3),
        callsPerReplicaLastRun: perReplica,
        note: 'ours is a whole judgeToJsonl run (read, score, render prompts, judge, write atomically); the ideal client only sends and parses',
      };
    } finally {
      for (const r of replicas) r.stop();
    }
    const report = {
      serverLatencyMs: LATENCY_MS,
      transport: 'node:http, one keep-alive agent per endpoint (src/models/openaiChat.ts)',
      machine: { cores: availableParallelism(), loadAverageAtStart: loadAtStart, loadAverageAtEnd: loadavg().map((x) => +x.toFixed(2)) },
      rewardsJudged: ['context'],
      note: `one judge call per rollout (context only); concurrency 1 runs ${N_SERIAL} rollouts to keep the bench short, the others ${N}; times are whole judgeToJsonl runs (read, score, judge, write output atomically)`,
      levels,
      cachedRerun: { rollouts: N, seconds: +cached.secs.toFixed(3), calls: cached.calls, cacheHits: cached.cacheHits },
      replicasAgainstIdealClient: replicaReport,
      targets: { ratioAtLeast: 0.9, cachedRerunUnderSeconds: 1, replicasRatioAtLeast: 0.95 },
      pass: levels.every((l) => l.ratio >= 0.9) && cached.secs < 1,
      passReplicas: replicaRatio >= 0.95,
      passOnCallPhase: levels.every((l) => l.callPhaseRatio >= 0.9) && cached.secs < 1,
    };
    process.stdout.write(JSON.stringify(report, null, 2) + '\n');
  } finally {
    server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  process.stderr.write(String(e instanceof Error ? e.stack : e) + '\n');
  process.exit(1);
});
