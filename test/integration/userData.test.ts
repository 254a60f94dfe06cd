// The user's files are read-only to us by every path, and one bad entry or character costs only
// itself: outputs that would replace an input (inside an input folder, through a symlinked folder
// or file, through a hard link) are refused with exit 2; bad folder entries are problems with
// their path; control characters reach no terminal raw; temp files of killed runs are cleaned.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, linkSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const CLI = join(ROOT, 'dist', 'cli.js');

before(() => {
  const r = spawnSync(process.execPath, ['scripts/build.mjs'], { cwd: ROOT, encoding: 'utf8' });
  assert.equal(r.status, 0, `build failed: ${r.stderr}`);
});

function cli(cwd: string, ...args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const row = (id: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ id, problem: 'Which?', problem_type: 'multiple choice', solution: '<answer>A</answer>', completion: '<context>c</context><think>t</think><answer>A</answer>', ...extra }) + '\n';

function workspace(): { dir: string; vd: string } {
  const dir = mkdtempSync(join(tmpdir(), 'omnitrace-userdata-'));
  const vd = join(dir, 'vd');
  mkdirSync(vd);
  writeFileSync(join(vd, '1.jsonl'), row('a') + row('b'));
  writeFileSync(join(vd, '2.jsonl'), row('c'));
  return { dir, vd };
}

function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const n of readdirSync(dir)) {
    try {
      out[n] = readFileSync(join(dir, n), 'utf8');
    } catch {
      out[n] = '(not a file)';
    }
  }
  return out;
}

test('an output that would replace an input is refused with exit 2 naming both paths, by every route', () => {
  const { dir, vd } = workspace();
  const before = snapshot(vd);
  mkdirSync(join(dir, 'real'));
  writeFileSync(join(dir, 'real', 'in.jsonl'), row('x'));
  symlinkSync(join(dir, 'real'), join(dir, 'link'));
  symlinkSync(join(dir, 'real', 'in.jsonl'), join(dir, 'in-link.jsonl'));
  linkSync(join(dir, 'real', 'in.jsonl'), join(dir, 'hard.jsonl'));
  const realBefore = readFileSync(join(dir, 'real', 'in.jsonl'), 'utf8');
  const routes: [string, string[]][] = [
    ['output inside the input folder', ['score', 'vd', '--out', 'vd/1.jsonl']],
    ['report over a file of the input folder', ['report', 'vd', '--out', 'vd/2.jsonl']],
    ['--json-summary inside the input folder', ['score', 'vd', '--out', 'scores.jsonl', '--json-summary', 'vd/2.jsonl']],
    ['through a symlinked folder', ['score', 'real/in.jsonl', '--out', 'link/in.jsonl']],
    ['a symlink to the input', ['score', 'real/in.jsonl', '--out', 'in-link.jsonl']],
    ['a hard link to the input', ['score', 'real/in.jsonl', '--out', 'hard.jsonl']],
    ['a folder input read through a symlink', ['score', 'link', '--out', 'real/in.jsonl']],
  ];
  for (const [what, args] of routes) {
    const r = cli(dir, ...args);
    assert.equal(r.code, 2, `${what}: exit ${r.code}\n${r.stderr}`);
    assert.match(r.stderr, /would overwrite .* which this command reads/, what);
  }
  assert.deepEqual(snapshot(vd), before);
  assert.equal(readFileSync(join(dir, 'real', 'in.jsonl'), 'utf8'), realBefore);
  assert.equal(readFileSync(join(dir, 'hard.jsonl'), 'utf8'), realBefore);
  // A new file beside the inputs is fine.
  const ok = cli(dir, 'score', 'vd', '--out', 'vd-scores.jsonl');
  assert.equal(ok.code, 0, ok.stderr);
});

test('bad folder entries are problems with their path; the rest of the folder loads', { skip: process.platform === 'win32' }, () => {
  const { dir, vd } = workspace();
  symlinkSync('loop-b.jsonl', join(vd, 'loop-a.jsonl'));
  symlinkSync('loop-a.jsonl', join(vd, 'loop-b.jsonl'));
  symlinkSync(join(dir, 'gone.jsonl'), join(vd, 'dangling.jsonl'));
  mkdirSync(join(vd, 'sub.jsonl'));
  const fifo = spawnSync('mkfifo', [join(vd, 'x.jsonl')]);
  assert.equal(fifo.status, 0, 'mkfifo');
  const r = cli(dir, 'score', 'vd', '--out', 'scores.jsonl');
  assert.equal(r.code, 0, r.stderr);
  const out = readFileSync(join(dir, 'scores.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  assert.deepEqual(out.map((o) => o.id).sort(), ['a', 'b', 'c']);
  assert.match(r.stderr, /loop-a\.jsonl.*symlink loop/);
  assert.match(r.stderr, /dangling\.jsonl.*dangling symlink/);
  assert.match(r.stderr, /sub\.jsonl.*is a folder/);
  assert.match(r.stderr, /x\.jsonl.*FIFO/);
  assert.doesNotMatch(r.stderr, /internal error/);
  // The file alone: a clear error, exit 1, no hang.
  const alone = cli(dir, 'score', 'vd/x.jsonl');
  assert.equal(alone.code, 1);
  assert.match(alone.stderr, /x\.jsonl is not a regular file \(a FIFO\)/);
});

test('control characters in data are printed escaped, never raw', () => {
  const { dir } = workspace();
  writeFileSync(join(dir, 'evil.jsonl'), row('e', { problem_type: '\u001b]0;owned\u0007\u001b[2J\u009b31m' }));
  const r = cli(dir, 'score', 'evil.jsonl', '--out', 'o.jsonl');
  assert.equal(r.code, 0, r.stderr);
  assert.ok(r.stderr.includes('\\x1b]0;owned\\x07\\x1b[2J\\x9b31m'), r.stderr);
  assert.doesNotMatch(r.stderr, /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);
});

test('an id too long for a double keeps its digits; a JSON list is read row by row', () => {
  const { dir } = workspace();
  writeFileSync(join(dir, 'big.jsonl'), row('x').replace('"id":"x"', '"id":12345678901234567891'));
  const r = cli(dir, 'score', 'big.jsonl');
  assert.equal(r.code, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout).id, '12345678901234567891');
  writeFileSync(join(dir, 'list.json'), `[${row('p').trim()},\n{"bad" "row"},\n${row('q').trim().replace('"id":"q"', '"id":98765432109876543210')}]`);
  const l = cli(dir, 'score', 'list.json');
  assert.equal(l.code, 0, l.stderr);
  assert.deepEqual(
    l.stdout
      .trim()
      .split('\n')
      .map((x) => JSON.parse(x).id),
    ['p', '98765432109876543210'],
  );
  assert.match(l.stderr, /list\.json:2/);
});

test('a replaced output keeps its mode; temp files of a killed run are removed by the next run', async () => {
  const { dir } = workspace();
  const out = join(dir, 'scores.jsonl');
  writeFileSync(out, 'old\n');
  chmodSync(out, 0o640);
  // A run killed mid-write leaves its temp file; one of a live process must be kept.
  const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout;
  const stale = join(dir, `.scores.jsonl.${dead}.0123abcd.tmp`);
  const live = join(dir, `.scores.jsonl.${process.pid}.0123abcd.tmp`);
  const foreign = join(dir, `.other.jsonl.${dead}.0123abcd.tmp`);
  for (const f of [stale, live, foreign]) writeFileSync(f, 'partial');
  const r = cli(dir, 'score', 'vd', '--out', 'scores.jsonl');
  assert.equal(r.code, 0, r.stderr);
  assert.equal(statSync(out).mode & 0o777, 0o640);
  const left = readdirSync(dir);
  assert.ok(!left.includes(`.scores.jsonl.${dead}.0123abcd.tmp`), 'the dead run’s temp file is removed');
  assert.ok(left.includes(`.scores.jsonl.${process.pid}.0123abcd.tmp`), 'a live process’s temp file is kept');
  assert.ok(left.includes(`.other.jsonl.${dead}.0123abcd.tmp`), 'another output’s temp file is not ours to remove');
  // SIGTERM during a run exits promptly (no FIFO can block it now).
  const child = spawn(process.execPath, [CLI, 'score', 'vd', '--out', 'again.jsonl'], { cwd: dir });
  const code = await new Promise<number | null>((res) => {
    child.on('exit', (c, sig) => res(c ?? (sig ? 143 : null)));
    child.kill('SIGTERM');
  });
  assert.ok(code === 143 || code === 0, `exit ${code}`);
});
