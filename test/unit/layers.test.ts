// The architecture, checked: dependencies point down (cli, host → services → media, models, cues →
// core; protocol → core; the webview → core and protocol), core is pure, vscode stays in host,
// and no two top-level folders reach each other.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

const ROOT = resolve(__dirname, '..', '..');
const SRC = join(ROOT, 'src');

interface Edge {
  file: string;
  spec: string;
  /** Top-level folder of src/ the import lands in, or 'vscode' / 'node' / a package. */
  to: string;
}

function tsFiles(dir: string): string[] {
  const out: string[] = [];
  for (const n of readdirSync(dir)) {
    const p = join(dir, n);
    if (statSync(p).isDirectory()) out.push(...tsFiles(p));
    else if (/\.(ts|mts)$/.test(n) && !n.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

/** Every module specifier a file names: static and dynamic imports, re-exports, require. */
export function specifiers(text: string): string[] {
  // One pass, leftmost first: a line comment that mentions `templates/*.md` is not a block comment.
  const code = text.replace(/\/\*[\s\S]*?\*\/|(^|[^:'"`])\/\/.*$/gm, (_m, pre?: string) => pre ?? '');
  const out: string[] = [];
  for (const m of code.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*|^\s*import\s+)(['"])([^'"]+)\1/gm)) out.push(m[2]!);
  return out;
}

function edgesOf(file: string): Edge[] {
  return specifiers(readFileSync(file, 'utf8')).map((spec) => {
    if (!spec.startsWith('.')) return { file, spec, to: spec === 'vscode' ? 'vscode' : 'package' };
    const target = resolve(dirname(file), spec);
    const rel = relative(SRC, target);
    // Outside src/ (package.json, the webview bundle): not a layer.
    if (rel.startsWith('..')) return { file, spec, to: 'package' };
    return { file, spec, to: rel.split(sep)[0]! };
  });
}

const topOf = (file: string) => relative(SRC, file).split(sep)[0]!;
const srcEdges = tsFiles(SRC).flatMap(edgesOf);
const show = (es: Edge[]) => es.map((e) => `${relative(ROOT, e.file)} → ${e.spec}`).join('\n');

test('core imports no other src folder, nothing outside src/core by path, and no vscode', () => {
  const CORE = join(SRC, 'core') + sep;
  const bad = srcEdges.filter((e) => topOf(e.file) === 'core' && (e.to === 'vscode' || (e.spec.startsWith('.') && !resolve(dirname(e.file), e.spec).startsWith(CORE))));
  assert.equal(bad.length, 0, show(bad));
});

test('vscode is imported only in src/host', () => {
  const bad = [...srcEdges, ...tsFiles(join(ROOT, 'webview', 'src')).flatMap(edgesOf)].filter((e) => e.to === 'vscode' && !(e.file.startsWith(SRC) && topOf(e.file) === 'host'));
  assert.equal(bad.length, 0, show(bad));
});

test('the webview imports from src/ only core and protocol', () => {
  const bad = tsFiles(join(ROOT, 'webview', 'src'))
    .flatMap(edgesOf)
    .filter((e) => e.spec.startsWith('.') && resolve(dirname(e.file), e.spec).startsWith(SRC + sep) && !['core', 'protocol'].includes(e.to));
  assert.equal(bad.length, 0, show(bad));
});

test('the layers are those of the design: each folder imports only the folders below it', () => {
  const allowed: Record<string, string[]> = {
    core: [],
    protocol: ['core'],
    media: ['core'],
    models: ['core'],
    cues: ['core', 'media'],
    services: ['core', 'media', 'models', 'cues'],
    cli: ['core', 'services', 'media', 'models', 'cues'],
    host: ['core', 'protocol', 'services', 'media', 'models', 'cues'],
  };
  const folders = new Set(srcEdges.map((e) => topOf(e.file)));
  for (const f of folders) assert.ok(f in allowed || f.endsWith('.ts'), `src/${f} is not in the layer map: add it`);
  const bad = srcEdges.filter((e) => {
    const from = topOf(e.file);
    return e.to !== from && e.to !== 'package' && e.to !== 'vscode' && !(allowed[from] ?? []).includes(e.to);
  });
  assert.equal(bad.length, 0, show(bad));
});

test('no two top-level src folders import each other, directly or through others', () => {
  const graph = new Map<string, Set<string>>();
  for (const e of srcEdges) {
    const from = topOf(e.file);
    if (e.to === from || e.to === 'package' || e.to === 'vscode') continue;
    if (!graph.has(from)) graph.set(from, new Set());
    graph.get(from)!.add(e.to);
  }
  const reach = (start: string): Set<string> => {
    const seen = new Set<string>();
    const stack = [...(graph.get(start) ?? [])];
    while (stack.length) {
      const n = stack.pop()!;
      if (seen.has(n)) continue;
      seen.add(n);
      stack.push(...(graph.get(n) ?? []));
    }
    return seen;
  };
  const cycles = [...graph.keys()].filter((f) => reach(f).has(f));
  assert.deepEqual(cycles, []);
});

test('the import scanner finds every form, and ignores comments', () => {
  const text =
    "import a from './a';\nimport type { B } from \"../b\";\nexport * from './c';\nconst d = await import('./d');\nconst e = require('./e');\nimport './f';\n// import g from './g';\n/* import h from './h' */";
  assert.deepEqual(specifiers(text), ['./a', '../b', './c', './d', './e', './f']);
});
