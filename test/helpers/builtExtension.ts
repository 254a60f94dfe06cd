// The tests that load dist/extension.js want the bundle of the current sources. `npm test`
// builds first; when a suite is run on its own with older sources built, rebuild once. Test
// files run in parallel processes, so the rebuild is serialised with a lock file.

import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vm from 'node:vm';
import { spawnSync } from 'node:child_process';

export const repoRoot = path.resolve(__dirname, '../..');
export const extensionBundle = path.join(repoRoot, 'dist', 'extension.js');

function newest(dir: string): number {
  let t = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : fs.statSync(p).mtimeMs);
  }
  return t;
}

const isStale = () => !fs.existsSync(extensionBundle) || fs.statSync(extensionBundle).mtimeMs < newest(path.join(repoRoot, 'src'));

export function ensureExtensionBuilt(): string {
  if (!isStale()) return extensionBundle;
  const lock = path.join(repoRoot, 'dist', '.test-build.lock');
  fs.mkdirSync(path.dirname(lock), { recursive: true });
  const deadline = Date.now() + 60_000;
  for (;;) {
    let fd: number | undefined;
    try {
      fd = fs.openSync(lock, 'wx');
    } catch {
      // Someone else is building: wait for them, then use their result.
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${lock}`);
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100);
      if (!fs.existsSync(lock) && !isStale()) return extensionBundle;
      continue;
    }
    try {
      if (isStale()) {
        const r = spawnSync(process.execPath, ['scripts/build.mjs'], { cwd: repoRoot, encoding: 'utf8' });
        if (r.status !== 0) throw new Error(`node scripts/build.mjs failed:\n${r.stderr}`);
      }
      return extensionBundle;
    } finally {
      fs.closeSync(fd);
      fs.rmSync(lock, { force: true });
    }
  }
}

let snapshot: string | undefined;

/**
 * A private, complete copy of the bundle for this test process. Tests load the extension many
 * times; reading dist/extension.js each time would race with a rebuild (by another test file
 * or another engineer) that is rewriting it.
 */
export function extensionSnapshot(): string {
  if (snapshot) return snapshot;
  ensureExtensionBuilt();
  for (let attempt = 0; ; attempt++) {
    const code = fs.readFileSync(extensionBundle, 'utf8');
    try {
      new vm.Script(code, { filename: extensionBundle }); // parses only: a half-written file fails here
    } catch (e) {
      if (attempt >= 50) throw e;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100);
      continue;
    }
    // Inside the repository's node_modules, so the bundle resolves its external packages (onnxruntime,
    // the model packages) the way dist/extension.js does; never under dist/, which is packaged.
    const cache = path.join(repoRoot, 'node_modules', '.cache');
    fs.mkdirSync(cache, { recursive: true });
    const dir = fs.mkdtempSync(path.join(cache, 'omnitrace-ext-'));
    snapshot = path.join(dir, 'extension.js');
    fs.writeFileSync(snapshot, code);
    process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
    return snapshot;
  }
}
