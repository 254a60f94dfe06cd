// A fake `vscode` module for loading the built extension bundle in plain Node. It implements
// the part of the API the host uses and records what the extension registers, so tests can
// check the manifest against the code and drive the rollout editor without VS Code.
// It is deliberately strict: calling something the fake lacks throws, so a host change that
// needs more API shows up here instead of passing silently.

import Module from 'node:module';
import * as path from 'node:path';
import * as fs from 'node:fs';

type Listener<T> = (e: T) => unknown;

export class FakeEventEmitter<T> {
  private listeners = new Set<Listener<T>>();
  event = (l: Listener<T>) => {
    this.listeners.add(l);
    return { dispose: () => this.listeners.delete(l) };
  };
  fire(e: T) {
    for (const l of [...this.listeners]) l(e);
  }
  get size() {
    return this.listeners.size;
  }
  dispose() {
    this.listeners.clear();
  }
}

export class FakeUri {
  constructor(
    readonly scheme: string,
    readonly authority: string,
    readonly path: string,
  ) {}
  static file(p: string) {
    return new FakeUri('file', '', path.resolve(p));
  }
  static joinPath(base: FakeUri, ...segments: string[]) {
    return new FakeUri(base.scheme, base.authority, path.posix.join(base.path, ...segments));
  }
  get fsPath() {
    return this.path;
  }
  toString() {
    return `${this.scheme}://${this.authority}${this.path}`;
  }
}

export class FakeRange {
  constructor(
    readonly startLine: number,
    readonly startCharacter: number,
    readonly endLine: number,
    readonly endCharacter: number,
  ) {}
  get start() {
    return { line: this.startLine, character: this.startCharacter };
  }
  get end() {
    return { line: this.endLine, character: this.endCharacter };
  }
}

export class FakeRelativePattern {
  constructor(
    readonly base: FakeUri | string | { uri: FakeUri },
    readonly pattern: string,
  ) {}

  /** The folder, as the real RelativePattern takes it: a path, a Uri or a workspace folder. */
  get baseFsPath(): string {
    const b = this.base;
    return typeof b === 'string' ? b : 'fsPath' in b ? b.fsPath : b.uri.fsPath;
  }
}

class TabInputText {
  constructor(readonly uri: FakeUri) {}
}
class TabInputCustom {
  constructor(
    readonly uri: FakeUri,
    readonly viewType: string,
  ) {}
}

export interface FakeWatcher {
  pattern: FakeRelativePattern;
  change: FakeEventEmitter<FakeUri>;
  create: FakeEventEmitter<FakeUri>;
  delete: FakeEventEmitter<FakeUri>;
  disposed: boolean;
}

export interface FakeState {
  commands: Map<string, { fn: (...a: unknown[]) => unknown; disposed: boolean }>;
  executed: { command: string; args: unknown[] }[];
  editorProviders: { viewType: string; provider: any; options: any; disposed: boolean }[];
  codeLensProviders: { selector: unknown; provider: any; disposed: boolean }[];
  progress: { title: string; reports: unknown[] }[];
  cancelProgress: () => void;
  outputChannels: { name: string; options: unknown; lines: string[]; disposed: boolean }[];
  /** Panels made with window.createWebviewPanel (the live run view). */
  webviewPanels: FakePanel[];
  statusBarItems: { id: string; text: string; visible: boolean; disposed: boolean }[];
  /** Views made with window.createTreeView: their providers, for tests that read a view's items. */
  treeViews: { id: string; provider: any; disposed: boolean }[];
  watchers: FakeWatcher[];
  config: Record<string, unknown>;
  configUpdates: { key: string; value: unknown; target: unknown }[];
  messages: { level: string; text: string }[];
  setConfig(key: string, value: unknown): void;
  configChange: FakeEventEmitter<{ affectsConfiguration(s: string): boolean }>;
  grantTrust: FakeEventEmitter<void>;
}

export function createFakeVscode(opts: { trusted?: boolean; workspaceFolders?: string[] } = {}) {
  const configChange = new FakeEventEmitter<{ affectsConfiguration(s: string): boolean }>();
  const grantTrust = new FakeEventEmitter<void>();
  const state: FakeState = {
    commands: new Map(),
    executed: [],
    editorProviders: [],
    codeLensProviders: [],
    progress: [],
    cancelProgress: () => undefined,
    outputChannels: [],
    webviewPanels: [],
    statusBarItems: [],
    treeViews: [],
    watchers: [],
    config: {},
    configUpdates: [],
    messages: [],
    configChange,
    grantTrust,
    setConfig(key, value) {
      state.config[key] = value;
      configChange.fire({ affectsConfiguration: (s: string) => key === s || key.startsWith(s + '.') });
    },
  };
  const folders = (opts.workspaceFolders ?? []).map((p, index) => ({ uri: FakeUri.file(p), name: path.basename(p), index }));

  const vscode = {
    Uri: FakeUri,
    Range: FakeRange,
    RelativePattern: FakeRelativePattern,
    EventEmitter: FakeEventEmitter,
    CodeLens: class {
      command: unknown;
      constructor(readonly range: unknown) {}
    },
    TabInputText,
    TabInputCustom,
    StatusBarAlignment: { Left: 1, Right: 2 },
    TreeItemCollapsibleState: { None: 0, Collapsed: 1, Expanded: 2 },
    QuickPickItemKind: { Separator: -1, Default: 0 },
    TreeItem: class {
      description?: string;
      tooltip?: string;
      contextValue?: string;
      iconPath?: unknown;
      resourceUri?: unknown;
      command?: unknown;
      constructor(
        readonly label: string,
        readonly collapsibleState = 0,
      ) {}
    },
    ThemeIcon: class {
      constructor(readonly id: string) {}
    },
    CancellationTokenSource: class {
      private readonly cancelled = new FakeEventEmitter<void>();
      readonly token = { isCancellationRequested: false, onCancellationRequested: this.cancelled.event };
      cancel() {
        this.token.isCancellationRequested = true;
        this.cancelled.fire();
      }
      dispose() {}
    },
    ProgressLocation: { SourceControl: 1, Window: 10, Notification: 15 },
    ViewColumn: { Active: -1, Beside: -2, One: 1 },
    ConfigurationTarget: { Global: 1, Workspace: 2, WorkspaceFolder: 3 },
    commands: {
      registerCommand(id: string, fn: (...a: unknown[]) => unknown) {
        if (state.commands.has(id) && !state.commands.get(id)!.disposed) throw new Error(`command '${id}' already exists`);
        const entry = { fn, disposed: false };
        state.commands.set(id, entry);
        return { dispose: () => (entry.disposed = true) };
      },
      async getCommands() {
        return [...state.commands].filter(([, c]) => !c.disposed).map(([id]) => id);
      },
      async executeCommand(command: string, ...args: unknown[]) {
        state.executed.push({ command, args });
        const own = state.commands.get(command);
        if (own && !own.disposed) return own.fn(...args);
        return undefined;
      },
    },
    languages: {
      registerCodeLensProvider(selector: unknown, provider: unknown) {
        const entry = { selector, provider, disposed: false };
        state.codeLensProviders.push(entry);
        return { dispose: () => (entry.disposed = true) };
      },
    },
    window: {
      createWebviewPanel(viewType: string, title: string, _column: unknown, options: unknown) {
        const fp = createFakePanel(title);
        fp.panel.viewType = viewType;
        fp.panel.webview.options = options;
        state.webviewPanels.push(fp);
        return fp.panel;
      },
      createOutputChannel(name: string, options?: unknown) {
        const ch = { name, options, lines: [] as string[], disposed: false };
        state.outputChannels.push(ch);
        const log = (level: string) => (m: string) => void ch.lines.push(`[${level}] ${m}`);
        return {
          name,
          info: log('info'),
          warn: log('warn'),
          error: log('error'),
          debug: log('debug'),
          trace: log('trace'),
          appendLine: log('line'),
          show() {},
          dispose: () => (ch.disposed = true),
        };
      },
      createStatusBarItem(id: string) {
        const item = { id, text: '', visible: false, disposed: false };
        state.statusBarItems.push(item);
        return {
          set text(t: string) {
            item.text = t;
          },
          get text() {
            return item.text;
          },
          name: '',
          tooltip: '',
          command: undefined as unknown,
          show: () => (item.visible = true),
          hide: () => (item.visible = false),
          dispose: () => (item.disposed = true),
        };
      },
      createTreeView(id: string, options: { treeDataProvider: unknown }) {
        const entry = { id, provider: options.treeDataProvider, disposed: false };
        state.treeViews.push(entry);
        return { dispose: () => (entry.disposed = true) };
      },
      registerCustomEditorProvider(viewType: string, provider: unknown, options: unknown) {
        const entry = { viewType, provider, options, disposed: false };
        state.editorProviders.push(entry);
        return { dispose: () => (entry.disposed = true) };
      },
      showErrorMessage: async (text: string) => void state.messages.push({ level: 'error', text }),
      showInformationMessage: async (text: string) => void state.messages.push({ level: 'info', text }),
      showWarningMessage: async (text: string) => void state.messages.push({ level: 'warn', text }),
      showQuickPick: async () => undefined,
      /** Runs the task at once; `state.cancelProgress()` cancels it like the notification's button. */
      async withProgress(options: { title?: string }, task: (p: { report(v: unknown): void }, token: unknown) => Promise<unknown>) {
        const cancel = new FakeEventEmitter<void>();
        const token = { isCancellationRequested: false, onCancellationRequested: cancel.event };
        state.progress.push({ title: options.title ?? '', reports: [] });
        const entry = state.progress[state.progress.length - 1]!;
        state.cancelProgress = () => {
          token.isCancellationRequested = true;
          cancel.fire();
        };
        return task({ report: (v) => void entry.reports.push(v) }, token);
      },
      showInputBox: async () => undefined,
      showOpenDialog: async () => undefined,
      tabGroups: { activeTabGroup: { activeTab: undefined } },
      activeTextEditor: undefined,
    },
    workspace: {
      get isTrusted() {
        return opts.trusted ?? true;
      },
      workspaceFolders: folders.length ? folders : undefined,
      getConfiguration(section?: string) {
        const prefix = section ? section + '.' : '';
        return {
          get: <T>(key: string, def?: T): T | undefined => {
            const v = state.config[prefix + key];
            return (v === undefined ? def : v) as T;
          },
          update: async (key: string, value: unknown, target: unknown) => {
            state.configUpdates.push({ key: prefix + key, value, target });
            state.setConfig(prefix + key, value);
          },
        };
      },
      onDidChangeConfiguration: configChange.event,
      onDidChangeWorkspaceFolders: new FakeEventEmitter<void>().event,
      onDidGrantWorkspaceTrust: grantTrust.event,
      createFileSystemWatcher(pattern: FakeRelativePattern) {
        const w: FakeWatcher = {
          pattern,
          change: new FakeEventEmitter(),
          create: new FakeEventEmitter(),
          delete: new FakeEventEmitter(),
          disposed: false,
        };
        state.watchers.push(w);
        return {
          onDidChange: w.change.event,
          onDidCreate: w.create.event,
          onDidDelete: w.delete.event,
          dispose: () => (w.disposed = true),
        };
      },
      getWorkspaceFolder(uri: FakeUri) {
        return folders.find((f) => uri.fsPath === f.uri.fsPath || uri.fsPath.startsWith(f.uri.fsPath + path.sep));
      },
      /** The files under the folder a RelativePattern names whose extension the glob lists (enough for the sidebar). */
      async findFiles(pattern: FakeRelativePattern) {
        const exts = /\{([^}]+)\}$/.exec(pattern.pattern)?.[1]?.split(',') ?? [];
        const out: FakeUri[] = [];
        const walk = (dir: string) => {
          for (const d of fs.readdirSync(dir, { withFileTypes: true })) {
            if (d.name === 'node_modules' || d.name.startsWith('.')) continue;
            const p = path.join(dir, d.name);
            if (d.isDirectory()) walk(p);
            else if (exts.some((e) => d.name.endsWith('.' + e))) out.push(FakeUri.file(p));
          }
        };
        walk(pattern.baseFsPath);
        return out;
      },
      fs: {
        delete: async (uri: FakeUri) => fs.rmSync(uri.fsPath),
        stat: async (uri: FakeUri) => {
          const st = fs.statSync(uri.fsPath);
          return { type: st.isDirectory() ? 2 : 1, size: st.size };
        },
      },
    },
  };
  return { vscode, state };
}

export type FakeVscode = ReturnType<typeof createFakeVscode>;

const FAKE_ID = path.join(path.sep, '__omnitrace_fake__', 'vscode.js');
let installed = false;

/** Loads `bundle` (a CommonJS file) with `require('vscode')` answered by `fake`. */
export function loadWithFakeVscode<T>(bundle: string, fake: unknown): T {
  const M = Module as unknown as {
    _resolveFilename: (request: string, ...rest: unknown[]) => string;
    _cache: Record<string, unknown>;
  };
  if (!installed) {
    const original = M._resolveFilename;
    M._resolveFilename = function (request: string, ...rest: unknown[]) {
      if (request === 'vscode') return FAKE_ID;
      return original.call(this, request, ...rest);
    };
    installed = true;
  }
  M._cache[FAKE_ID] = { id: FAKE_ID, filename: FAKE_ID, loaded: true, exports: fake, children: [], paths: [] };
  const resolved = path.resolve(bundle);
  delete M._cache[resolved];
  const req = Module.createRequire(resolved);
  return req(resolved) as T;
}

export interface FakePanel {
  panel: any;
  posted: any[];
  /** Deliver a message from the webview to the host; resolves after the host's handlers ran. */
  send(message: unknown): Promise<void>;
  /** Posted messages of one kind. */
  responses(): any[];
  events(): any[];
  setVisible(visible: boolean): void;
  dispose(): void;
}

export function createFakePanel(title = 'untitled'): FakePanel {
  const posted: any[] = [];
  const receive = new FakeEventEmitter<unknown>();
  const viewState = new FakeEventEmitter<unknown>();
  const disposeEmitter = new FakeEventEmitter<void>();
  let disposed = false;
  const pending: Promise<unknown>[] = [];
  const webview = {
    options: {} as any,
    html: '',
    cspSource: 'https://fake.vscode-resource.test',
    asWebviewUri: (uri: FakeUri) => new FakeUri('https', 'fake.vscode-resource.test', uri.path),
    postMessage: async (m: unknown) => {
      if (disposed) throw new Error('Webview is disposed');
      posted.push(structuredClone(m));
      return true;
    },
    onDidReceiveMessage: (l: (m: unknown) => unknown) =>
      receive.event((m) => {
        const r = l(m);
        if (r && typeof (r as Promise<unknown>).then === 'function') pending.push(r as Promise<unknown>);
      }),
  };
  const panel = {
    webview,
    title,
    active: true,
    visible: true,
    viewType: '',
    onDidChangeViewState: viewState.event,
    onDidDispose: disposeEmitter.event,
    reveal() {},
    dispose() {
      if (disposed) return;
      disposed = true;
      disposeEmitter.fire();
    },
  };
  return {
    panel,
    posted,
    async send(message) {
      receive.fire(message);
      await Promise.all(pending.splice(0));
    },
    responses: () => posted.filter((m) => m.type === 'response'),
    events: () => posted.filter((m) => m.type === 'event'),
    setVisible(visible) {
      panel.visible = visible;
      panel.active = visible;
      viewState.fire({ webviewPanel: panel });
    },
    dispose: () => panel.dispose(),
  };
}

export const fakeToken = { isCancellationRequested: false, onCancellationRequested: () => ({ dispose() {} }) };

/**
 * Loads the built extension with `fake` and activates it the way VS Code would, with an
 * in-memory SecretStorage over `secrets`.
 */
export function activateBuilt(bundle: string, root: string, fake: FakeVscode, secrets = new Map<string, string>()) {
  const ext = loadWithFakeVscode<{ activate(c: unknown): unknown; deactivate(): void }>(bundle, fake.vscode);
  ext.activate({
    subscriptions: [],
    extensionUri: FakeUri.file(root),
    extension: { packageJSON: {} },
    secrets: { get: async (k: string) => secrets.get(k), store: async (k: string, v: string) => void secrets.set(k, v), delete: async (k: string) => void secrets.delete(k) },
  });
  return ext;
}
