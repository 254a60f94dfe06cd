// The manifest and the code must agree: every contributed command is registered at activation
// and nothing unlisted is, menus only name real commands, settings explain themselves, and the
// pure core never reaches for the VS Code runtime.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createFakeVscode, FakeUri, loadWithFakeVscode } from '../helpers/fakeVscode';
import { extensionSnapshot, repoRoot as root } from '../helpers/builtExtension';

let bundle: string;
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));

// The test is about the shipped bundle, built from the current sources.
before(() => {
  bundle = extensionSnapshot();
});

function activated(opts: Parameters<typeof createFakeVscode>[0] = {}) {
  const fake = createFakeVscode(opts);
  const ext = loadWithFakeVscode<{ activate(c: unknown): unknown; deactivate(): void }>(bundle, fake.vscode);
  const context = {
    subscriptions: [] as { dispose(): void }[],
    extensionUri: FakeUri.file(root),
    extensionPath: root,
    extension: { packageJSON: pkg },
  };
  const api = ext.activate(context);
  return { ...fake, ext, context, api };
}

test('every contributed command is registered, and every registered command is contributed', () => {
  const { state } = activated();
  const contributed = new Set<string>(pkg.contributes.commands.map((c: { command: string }) => c.command));
  const registered = new Set(state.commands.keys());
  assert.ok(contributed.size >= 7);
  assert.deepEqual([...registered].sort(), [...contributed].sort());
});

test('commands are namespaced, titled and in the Omni Trace category', () => {
  for (const c of pkg.contributes.commands) {
    assert.match(c.command, /^omnitrace\.([a-zA-Z]+\.)?[a-zA-Z]+[0-9]?$/);
    assert.equal(c.category, 'Omni Trace', c.command);
    assert.ok(typeof c.title === 'string' && c.title.length > 3, c.command);
  }
});

test('the custom editor view types are the ones contributed, with the webview options we rely on', () => {
  const { state } = activated();
  const contributed = pkg.contributes.customEditors.map((e: { viewType: string }) => e.viewType).sort();
  assert.deepEqual(state.editorProviders.map((p) => p.viewType).sort(), contributed);
  assert.ok(contributed.includes('omnitrace.rollouts'));
  for (const p of state.editorProviders) {
    assert.equal(p.options.webviewOptions.retainContextWhenHidden, false);
    assert.equal(p.options.webviewOptions.enableFindWidget, true);
    assert.equal(typeof p.provider.openCustomDocument, 'function');
    assert.equal(typeof p.provider.resolveCustomEditor, 'function');
    // Readonly: an editable provider would have these.
    assert.equal(p.provider.saveCustomDocument, undefined);
  }
});

test('rollout files open in the viewer by default; any JSON/JSONL is opt-in', () => {
  const byType = new Map(pkg.contributes.customEditors.map((e: { viewType: string }) => [e.viewType, e]));
  const main = byType.get('omnitrace.rollouts') as { priority: string; selector: { filenamePattern: string }[] };
  assert.equal(main.priority, 'default');
  assert.deepEqual(main.selector.map((s) => s.filenamePattern).sort(), ['*.rollouts.jsonl', 'completions_*.parquet']);
  const any = [...byType.values()].find((e) => e !== main) as { priority: string; selector: { filenamePattern: string }[] };
  assert.equal(any.priority, 'option');
  const patterns = any.selector.map((s) => s.filenamePattern);
  for (const p of ['*.jsonl', '*.json']) assert.ok(patterns.includes(p), p);
});

test('every menu entry names a contributed command and is when-gated where it is contextual', () => {
  const contributed = new Set(pkg.contributes.commands.map((c: { command: string }) => c.command));
  let entries = 0;
  for (const [menu, items] of Object.entries(pkg.contributes.menus as Record<string, { command: string; when?: string }[]>)) {
    for (const item of items) {
      entries++;
      assert.ok(contributed.has(item.command), `${menu}: ${item.command} is not a contributed command`);
      if (menu !== 'commandPalette') assert.ok(item.when, `${menu}: ${item.command} has no when clause`);
    }
  }
  assert.ok(entries > 0);
  const explorer = pkg.contributes.menus['explorer/context'].find((m: { command: string }) => m.command === 'omnitrace.openInViewer');
  assert.match(explorer.when, /jsonl/);
  assert.match(explorer.when, /parquet/);
});

test('every setting is namespaced, typed and described', () => {
  const props = pkg.contributes.configuration.properties as Record<string, Record<string, unknown>>;
  const names = Object.keys(props);
  for (const n of ['mediaRoot', 'defaultFormat', 'fieldMap', 'scaleRewards', 'regressionVariant', 'maxProblemsShown']) {
    assert.ok(names.includes(`omnitrace.${n}`), n);
  }
  for (const [name, p] of Object.entries(props)) {
    assert.match(name, /^omnitrace\./);
    assert.ok(p.type, `${name} has no type`);
    const d = (p.description ?? p.markdownDescription) as string | undefined;
    assert.ok(d && d.length > 10, `${name} has no description`);
  }
  assert.equal(props['omnitrace.scaleRewards']!.default, false);
  assert.deepEqual(props['omnitrace.regressionVariant']!.enum, ['trainer', 'eval']);
  assert.equal(props['omnitrace.fieldMap']!.type, 'object');
});

test('workspace trust and virtual workspaces are declared', () => {
  const caps = pkg.capabilities;
  assert.equal(caps.untrustedWorkspaces.supported, 'limited');
  assert.ok(caps.untrustedWorkspaces.description.length > 10);
  // A workspace must not point the viewer's allowed folders somewhere else in Restricted Mode.
  assert.ok(caps.untrustedWorkspaces.restrictedConfigurations.includes('omnitrace.mediaRoot'));
  // Nor choose an executable we run, nor the servers we call.
  const props = pkg.contributes.configuration.properties;
  for (const k of ['omnitrace.ffmpegPath', 'omnitrace.ffprobePath']) {
    assert.ok(caps.untrustedWorkspaces.restrictedConfigurations.includes(k), k);
    assert.equal(props[k].scope, 'machine', k);
  }
  for (const k of ['omnitrace.checkpoints.profiles', 'omnitrace.judge.profiles']) assert.ok(caps.untrustedWorkspaces.restrictedConfigurations.includes(k), k);
  assert.ok('virtualWorkspaces' in caps);
});

test('activation creates the output channel and status bar items; deactivation disposes everything', () => {
  const { state, context, ext } = activated({ trusted: false });
  assert.deepEqual(
    state.outputChannels.map((c) => c.name),
    ['Omni Trace'],
  );
  assert.match(state.outputChannels[0]!.lines.join('\n'), /Restricted Mode/);
  // Loading progress, and long work (judging, runs, shortcut analyses, comparisons, labs).
  assert.deepEqual(state.statusBarItems.map((i) => i.id).sort(), ['omnitrace.loading', 'omnitrace.work']);
  assert.ok(context.subscriptions.length > 0);
  ext.deactivate();
  for (const [id, c] of state.commands) assert.equal(c.disposed, true, id);
  for (const p of state.editorProviders) assert.equal(p.disposed, true, p.viewType);
  assert.equal(state.outputChannels[0]!.disposed, true);
  for (const item of state.statusBarItems) assert.equal(item.disposed, true, item.id);
});

test('src/core never imports vscode', () => {
  const offenders: string[] = [];
  let scanned = 0;
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.[cm]?[jt]sx?$/.test(e.name)) {
        scanned++;
        const text = fs.readFileSync(p, 'utf8');
        if (/(?:from\s*|import\s*\(\s*|require\s*\(\s*|import\s+)['"]vscode['"]/.test(text)) offenders.push(path.relative(root, p));
      }
    }
  };
  walk(path.join(root, 'src', 'core'));
  assert.ok(scanned > 3, 'scanned src/core');
  assert.deepEqual(offenders, []);
});

test('the extension bundle is self-contained: only vscode and Node built-ins are required', () => {
  const text = fs.readFileSync(bundle, 'utf8');
  const required = new Set([...text.matchAll(/\brequire\("([^"]+)"\)/g)].map((m) => m[1]!));
  const builtins = new Set(require('node:module').builtinModules as string[]);
  const foreign = [...required].filter((r) => r !== 'vscode' && !r.startsWith('node:') && !builtins.has(r));
  assert.deepEqual(foreign, [], 'packages the VSIX would not carry (node_modules is excluded)');
});

test('.vscodeignore keeps sources, tests, maps and node_modules out of the package', () => {
  const lines = fs
    .readFileSync(path.join(root, '.vscodeignore'), 'utf8')
    .split('\n')
    .map((l) => l.trim());
  for (const l of ['src/**', 'test/**', 'bench/**', 'scripts/**', 'node_modules/**', '**/*.map']) assert.ok(lines.includes(l), l);
  assert.ok(!lines.some((l) => /^dist\/?\*?\*?$/.test(l)), 'dist must ship');
});
