// One build for every target: the extension host, the CLI and the webview bundle.
// Type-checking is separate (`npm run typecheck`) so a build stays fast in the inner loop.
import * as esbuild from 'esbuild';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');
mkdirSync('dist', { recursive: true });

const common = {
  bundle: true,
  // Judge templates and default prompts are Markdown files built in as text.
  loader: { '.md': 'text' },
  sourcemap: production ? false : 'linked',
  minify: production,
  logLevel: 'warning',
  legalComments: 'none',
};

const targets = [
  {
    ...common,
    entryPoints: ['src/host/extension.ts'],
    outfile: 'dist/extension.js',
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    // onnxruntime-node carries native binaries: resolved at run time from node_modules.
    external: ['vscode', 'onnxruntime-node'],
  },
  {
    // The rollout view reads and scores files on this worker, off the extension host's thread.
    ...common,
    entryPoints: ['src/services/load/scoreRowsWorker.ts'],
    outfile: 'dist/scoreRowsWorker.js',
    platform: 'node',
    format: 'cjs',
    target: 'node20',
  },
  {
    ...common,
    entryPoints: ['src/cli/main.ts'],
    outfile: 'dist/cli.js',
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['onnxruntime-node'],
  },
  {
    ...common,
    entryPoints: ['webview/src/main.ts'],
    outfile: 'dist/webview/main.js',
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
    loader: { '.css': 'text', '.md': 'text' },
  },
];

if (watch) {
  for (const t of targets) await (await esbuild.context(t)).watch();
} else {
  // Each file is written beside its target and renamed into place: test files build in parallel,
  // and a reader must never load half a bundle.
  const results = await Promise.all(targets.map((t) => esbuild.build({ ...t, write: false })));
  for (const r of results) {
    for (const f of r.outputFiles) {
      mkdirSync(dirname(f.path), { recursive: true });
      const tmp = `${f.path}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
      writeFileSync(tmp, f.contents);
      renameSync(tmp, f.path);
    }
  }
}
