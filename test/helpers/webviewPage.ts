// A webview bundle as VS Code loads it (the host's HTML and CSP, acquireVsCodeApi, window
// messages) in headless Chromium, with the test playing the extension host. One harness for every
// view: the rollout view is answered from a real RolloutViewModel (FakeHost); other views (the
// run form) or other answers (a live run's init) come from a PageHost subclass in the test.

import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { renderWebviewHtml } from '../../src/host/webviewHtml';
import { buildOnce } from '../browser/buildOnce';
import { launchChromium } from './chromium';
import type { RolloutViewModel } from '../../src/core/viewModel';
import type { HostToWebview, WebviewToHost, WebviewEvent, WebviewEvents } from '../../src/protocol/messages';
import { handleRolloutRequest, isRolloutViewMethod } from '../../src/protocol/rolloutRequests';

const ROOT = resolve(__dirname, '..', '..');

/** What a view test file sets up once: Chromium, and a folder the view's pages load from. */
export interface Views {
  browser: Browser;
  /** The built webview and the host's HTML for the view; tests may add files (a clip, a stylesheet). */
  dir: string;
  close(): Promise<void>;
}

/** Builds (once across the files running in parallel), writes `view`'s folder, launches Chromium. */
export async function launchViews(view?: string): Promise<Views> {
  buildOnce();
  const dir = mkdtempSync(join(tmpdir(), 'omnitrace-webview-'));
  const remove = () => rmSync(dir, { recursive: true, force: true });
  try {
    copyFileSync(join(ROOT, 'dist', 'webview', 'main.js'), join(dir, 'main.js'));
    // The bundle mounts the view the body names (the rollout view when none).
    const { html } = renderWebviewHtml({ cspSource: 'file:', scriptUri: './main.js', title: view ?? 'views', view });
    writeFileSync(join(dir, 'index.html'), html);
    const browser = await launchChromium();
    return {
      browser,
      dir,
      async close() {
        await browser.close();
        remove();
      },
    };
  } catch (e) {
    // `after` has no Views to close when this fails.
    remove();
    throw e;
  }
}

/** A request as every view posts it; the rollout view and the run form differ only in methods. */
type Request = { type: 'request'; id: number; method: string; params: unknown };

/**
 * The extension host's side of a view's protocol, driven from the test: it polls what the page
 * posted and answers each request with `answer`. A throw becomes an error reply, as the real
 * RpcServer (src/host/rpcServer.ts) sends one.
 */
export abstract class PageHost<R extends Request> {
  readonly seen: R[] = [];
  /** For each request in `seen`, how many replies the page had been sent when it posted it. */
  readonly repliesBefore: number[] = [];
  private replies = 0;
  private timer: ReturnType<typeof setInterval> | undefined;
  private busy = false;

  constructor(protected readonly page: Page) {}

  protected abstract answer(request: R): unknown;

  /**
   * A promise to hold the reply to `request` until it settles, while later requests are answered
   * (replies out of order, as a busy host gives them); none by default.
   */
  protected hold(_request: R): Promise<void> | undefined {
    return undefined;
  }

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

  /** The page's `method` requests once there are `count` of them (polled: the page posts asynchronously). */
  async waitFor(method: R['method'], count = 1): Promise<R[]> {
    for (let k = 0; k < 200; k++) {
      const hits = this.seen.filter((m) => m.method === method);
      if (hits.length >= count) return hits;
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error(`no ${method} request (saw ${this.seen.map((m) => m.method).join(', ')})`);
  }

  private async pump(): Promise<void> {
    if (this.busy || this.page.isClosed()) return;
    this.busy = true;
    try {
      const batch = (await this.page.evaluate('window.__sent.splice(0)')) as R[];
      // Everything in a batch was posted before any of its replies went out.
      const repliesBefore = this.replies;
      for (const m of batch) {
        this.seen.push(m);
        this.repliesBefore.push(repliesBefore);
        const held = this.hold(m);
        if (held) void held.then(() => this.reply(m)).catch(() => undefined);
        else await this.reply(m);
      }
    } catch {
      // The page went away between two polls.
    } finally {
      this.busy = false;
    }
  }

  private async reply(m: R): Promise<void> {
    let reply: HostToWebview;
    try {
      reply = { type: 'response', id: m.id, ok: true, result: await this.answer(m) };
    } catch (e) {
      reply = { type: 'response', id: m.id, ok: false, error: e instanceof Error ? e.message : String(e) };
    }
    await this.send(reply);
    this.replies++;
  }
}

/** The rollout view's host: answers from `model`; `failIndex` makes that rollout's getRollout fail. */
export class FakeHost extends PageHost<WebviewToHost> {
  failIndex: number | undefined;

  constructor(
    page: Page,
    readonly model: RolloutViewModel,
  ) {
    super(page);
  }

  protected override async answer(m: WebviewToHost): Promise<unknown> {
    if (m.method === 'getRollout' && m.params.index === this.failIndex) throw new Error(`line ${m.params.index + 1} could not be re-read`);
    // There is no editor to reveal the line in; the request itself is what tests check.
    if (m.method === 'revealSource') return { revealed: true };
    // The editor lets its load go on; here the request itself is what tests check.
    if (m.method === 'firstRowsShown') return {};
    if (!isRolloutViewMethod(m.method)) throw new Error(`unknown method: ${m.method}`);
    return handleRolloutRequest(this.model, m.method, m.params as never);
  }
}

export interface OpenedPage<H> {
  page: Page;
  host: H;
  /** Console errors, page errors and (after close) CSP violations. */
  problems: string[];
  close(): Promise<void>;
}

export interface OpenOptions {
  /** A selector that shows the view is up (its first answers have arrived). */
  ready: string;
  /** The per-webview state VS Code kept from an earlier load (getState's first answer). */
  state?: unknown;
}

/** Loads the view in a page of its own with `makeHost`'s host answering it, once it shows `ready`. */
export async function openPage<H extends PageHost<Request>>(views: Views, makeHost: (page: Page) => H, options: OpenOptions): Promise<OpenedPage<H>> {
  const context = await views.browser.newContext({ viewport: { width: 1300, height: 850 } });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(m.text());
  });
  page.on('pageerror', (e) => problems.push(e.message));
  // What VS Code injects: acquireVsCodeApi (once per page, as VS Code enforces) with postMessage
  // and per-webview state.
  await page.addInitScript(`
    window.__sent = [];
    window.__state = ${JSON.stringify(options.state ?? null)};
    window.__csp = [];
    document.addEventListener('securitypolicyviolation', (e) => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));
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
  const host = makeHost(page);
  await page.goto('file://' + join(views.dir, 'index.html'));
  host.start();
  await page.waitForSelector(options.ready);
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

/** The rollout view over `model`, once its first rows are shown. */
export function openWebview(views: Views, model: RolloutViewModel, state: unknown = undefined): Promise<OpenedPage<FakeHost>> {
  return openPage(views, (page) => new FakeHost(page, model), { ready: '[data-testid=rollout-row]', state });
}

/**
 * Runs `body` on the page `opening` opens and closes the page whatever happens; then (when `body`
 * passed) checks the page logged no error and broke no CSP rule — the check every view test ends with.
 */
export async function withPage<W extends OpenedPage<unknown>>(opening: Promise<W>, body: (w: W) => Promise<void>): Promise<void> {
  const w = await opening;
  try {
    await body(w);
  } finally {
    await w.close();
  }
  assert.deepEqual(w.problems, []);
}
