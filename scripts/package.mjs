// Packages the extension as a VSIX with @vscode/vsce. The bundle in dist/ is self-contained,
// so dependencies are left out (--no-dependencies). `--target <platform>` makes a
// platform-specific package (e.g. linux-x64); the default is a universal one.
import { spawnSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(new URL('.', import.meta.url).pathname, '..');
const args = process.argv.slice(2);
const ti = args.indexOf('--target');
const target = ti >= 0 ? args[ti + 1] : undefined;
const out = join(root, 'dist', target ? `omni-trace-${target}.vsix` : 'omni-trace.vsix');

const build = spawnSync(process.execPath, [join(root, 'scripts', 'build.mjs'), '--production'], { cwd: root, stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);

const vsce = join(root, 'node_modules', '@vscode', 'vsce', 'vsce');
const r = spawnSync(
  process.execPath,
  [vsce, 'package', '--no-dependencies', '--allow-missing-repository', '--skip-license', '--out', out, ...(target ? ['--target', target] : [])],
  { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] },
);
if (r.status !== 0) {
  console.error('package: vsce failed');
  process.exit(r.status ?? 1);
}
console.log(`package: ${out} (${(statSync(out).size / 1e6).toFixed(2)} MB)`);
