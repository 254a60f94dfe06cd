// The webview bundle as VS Code loads it (the host's HTML, acquireVsCodeApi, window messages),
// with the test playing the extension host: requests are answered from a real RolloutViewModel.

import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { renderWebviewHtml } from '../../src/host/webviewHtml';
import type { RolloutViewModel } from '../../src/core/viewModel';
import type { HostToWebview, WebviewToHost, WebviewEvent, WebviewEvents } from '../../src/protocol/messages';

const ROOT = resolve(__dirname, '..', '..');

/** A folder holding the built webview and the host's HTML for it; call after the build. */
export function webviewDir(): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'omnitrace-webview-'));
  copyFileSync(join(ROOT, 'dist', 'webview', 'main.js'), join(dir, 'main.js'));
  const { html } = renderWebviewHtml({ cspSource: 'file:', scriptUri: './main.js', title: 'views' });
  writeFileSync(join(dir, 'index.html'), html);
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** The extension host's side of the protocol, driven from the test. */
export class FakeHost {
  readonly seen: WebviewToHost[] = [];
  failIndex: number | undefined;
  private timer: ReturnType<typeof setInterval> | undefined;
  private busy = false;

  constructor(
    private readonly page: Page,
    readonly model: RolloutViewModel,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.pump(), 25);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  async send(message: HostToWebview): Promise<void> {
    await this.page.evaluate(`window.postMessage(${JSON.stringify(message)}, '*')`);
  }

  emit<E extends WebviewEvent>(event: E, data: WebviewEvents[E]): Promise<void> {
    return this.send({ type: 'event', event, data } as HostToWebview);
  }

  private async pump(): Promise<void> {
    if (this.busy || this.page.isClosed()) return;
    this.busy = true;
    try {
      const batch = (await this.page.evaluate('window.__sent.splice(0)')) as WebviewToHost[];
      for (const m of batch) {
        this.seen.push(m);
        if (m.method === 'getRollout' && m.params.index === this.failIndex) {
          await this.send({ type: 'response', id: m.id, ok: false, error: `line ${m.params.index + 1} could not be re-read` });
          continue;
        }
        const result = m.method === 'revealSource' ? { revealed: true } : await this.model.handle(m.method, m.params as never);
        await this.send({ type: 'response', id: m.id, ok: true, result });
      }
    } catch {
      // The page went away between two polls.
    } finally {
      this.busy = false;
    }
  }
}

export interface OpenedWebview {
  page: Page;
  host: FakeHost;
  /** Console errors, page errors and (after close) CSP violations. */
  problems: string[];
  close(): Promise<void>;
}

export async function openWebview(browser: Browser, dir: string, model: RolloutViewModel, state: unknown = undefined): Promise<OpenedWebview> {
  const context = await browser.newContext({ viewport: { width: 1300, height: 850 } });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(m.text());
  });
  page.on('pageerror', (e) => problems.push(e.message));
  // What VS Code injects: acquireVsCodeApi with postMessage and per-webview state.
  await page.addInitScript(`
    window.__sent = [];
    window.__state = ${JSON.stringify(state ?? null)};
    window.__csp = [];
    document.addEventListener('securitypolicyviolation', (e) => window.__csp.push(e.violatedDirective));
    let acquired = false;
    window.acquireVsCodeApi = () => {
      if (acquired) throw new Error('acquireVsCodeApi called twice');
      acquired = true;
      return {
        postMessage: (m) => window.__sent.push(JSON.parse(JSON.stringify(m))),
        getState: () => window.__state,
        setState: (s) => { window.__state = JSON.parse(JSON.stringify(s)); },
      };
    };
  `);
  const host = new FakeHost(page, model);
  await page.goto('file://' + join(dir, 'index.html'));
  host.start();
  await page.waitForSelector('[data-testid=rollout-row]');
  return {
    page,
    host,
    problems,
    async close() {
      problems.push(...((await page.evaluate('window.__csp')) as string[]).map((d) => `CSP violation: ${d}`));
      host.stop();
      await context.close();
    },
  };
}
