// `npm run bench`: every benchmark, each in its own process as `npm run bench:<name>` runs it,
// printed as one JSON document: each one's figures beside its baseline or peer from the same run.
// A benchmark that fails is reported as failed (with its last lines), and the others still run.

import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { ROOT, machine } from './common';

const BENCHES: [string, string][] = [
  ['open', 'open.ts'],
  ['judge', 'judge.ts'],
  ['batch', 'batch.ts'],
  ['stream', 'stream.ts'],
  ['cues', 'cues.ts'],
  ['shortcuts', 'shortcuts.ts'],
  ['compare', 'compare.ts'],
  ['view', 'viewModel.ts'],
  ['editor', 'openInCodeServer.ts'],
];

function run(file: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--require', './scripts/register-text.cjs', '--import', 'tsx', join('bench', file)], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => {
      stderr += d;
      process.stderr.write(d);
    });
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

async function main() {
  const only = process.env.BENCH_ONLY?.split(',');
  const results: Record<string, unknown> = {};
  for (const [name, file] of BENCHES) {
    if (only && !only.includes(name)) continue;
    process.stderr.write(`bench ${name}…\n`);
    const r = await run(file);
    try {
      if (r.code !== 0) throw new Error(`exit ${r.code}`);
      results[name] = JSON.parse(r.stdout);
    } catch (e) {
      results[name] = { failed: (e as Error).message, lastLines: r.stderr.trim().split('\n').slice(-5) };
    }
  }
  process.stdout.write(JSON.stringify({ benchmarks: results, ...machine() }, null, 2) + '\n');
}

main().catch((e) => {
  process.stderr.write(String(e) + '\n');
  process.exit(1);
});
