// Host side of the webview protocol (src/protocol/messages.ts). Every request that carries an id
// gets exactly one response, success or error, even when the method is unknown or the handler
// throws; the webview would otherwise wait forever. Events are only pushed once the webview has
// asked for its initial state: before that it has no listeners and no state to invalidate.
// No `vscode` import: the panel passes in `post`, which makes this testable in plain Node.

import type { HostMethods, HostToWebview, WebviewEvent, WebviewEvents } from '../protocol/messages';
import { Disposable, toDisposable } from './dispose';
import { errorText } from '../core/errors';

/** A protocol's requests: method → params and result (HostMethods, RunFormMethods). */
export type MethodMap<T> = { [M in keyof T]: { params: unknown; result: unknown } };

export type Handlers<T extends MethodMap<T>> = {
  [M in keyof T]: (params: T[M]['params'], signal: AbortSignal) => T[M]['result'] | Promise<T[M]['result']>;
};

export type HostHandlers = Handlers<HostMethods>;

export interface RpcServerOptions {
  /** Called for messages that cannot be answered (no id) and for handler failures, to log them. */
  onError?: (message: string, error?: unknown) => void;
  /** Called once the first getInit has been answered (and after each one following resetReady). */
  onReady?: () => void;
}

type Phase = 'waiting' | 'initializing' | 'ready';

/** Serves one webview; `T` is its request protocol (the rollout views' HostMethods by default). */
export class RpcServer<T extends MethodMap<T> = HostMethods> extends Disposable {
  private phase: Phase = 'waiting';
  /** Events raised while the first getInit is being answered: delivered right after it, last per kind. */
  private readonly held = new Map<WebviewEvent, WebviewEvents[WebviewEvent]>();
  private readonly abort = new AbortController();

  constructor(
    private readonly post: (message: HostToWebview) => unknown,
    // Not inferred from the handlers: a rollout view's server is checked against all of HostMethods.
    private readonly handlers: Handlers<NoInfer<T>>,
    private readonly options: RpcServerOptions = {},
  ) {
    super();
    this._register(toDisposable(() => this.abort.abort()));
  }

  /** True once the webview has asked for its initial state (events flow). */
  get isReady(): boolean {
    return this.phase !== 'waiting';
  }

  /**
   * The webview's content was discarded (hidden without retainContextWhenHidden, or reloaded):
   * hold events back until it asks for its state again.
   */
  resetReady(): void {
    this.phase = 'waiting';
    this.held.clear();
  }

  /** Push an event; returns false when it was dropped because the webview has not asked for init. */
  emit<E extends WebviewEvent>(event: E, data: WebviewEvents[E]): boolean {
    if (this.isDisposed || this.phase === 'waiting') return false;
    if (this.phase === 'initializing') {
      this.held.delete(event); // re-insert so delivery keeps the order of the latest raises
      this.held.set(event, data);
      return true;
    }
    this.send({ type: 'event', event, data } as HostToWebview);
    return true;
  }

  /** Entry point for `webview.onDidReceiveMessage`. Resolves once the reply has been posted. */
  async handle(message: unknown): Promise<void> {
    if (!isObject(message) || message.type !== 'request') {
      this.options.onError?.(`ignored webview message without a request type: ${describe(message)}`);
      return;
    }
    const id = message.id;
    if (typeof id !== 'number' || !Number.isFinite(id)) {
      this.options.onError?.(`ignored webview request without a numeric id: ${describe(message)}`);
      return;
    }
    const method = message.method;
    if (typeof method !== 'string' || !Object.prototype.hasOwnProperty.call(this.handlers, method)) {
      this.reply(id, false, `unknown method: ${String(method)}`);
      return;
    }
    const isFirstInit = method === 'getInit' && this.phase === 'waiting';
    if (isFirstInit) this.phase = 'initializing';
    const params = isObject(message.params) ? message.params : {};
    try {
      const handler = this.handlers[method as keyof T] as (p: unknown, s: AbortSignal) => unknown;
      const result = await handler(params, this.abort.signal);
      this.reply(id, true, result);
    } catch (err) {
      this.options.onError?.(`request ${method} failed`, err);
      this.reply(id, false, errorMessage(err));
    } finally {
      if (isFirstInit && this.phase === 'initializing') this.flushHeld();
    }
  }

  private flushHeld(): void {
    this.phase = 'ready';
    const events = [...this.held];
    this.held.clear();
    if (this.isDisposed) return;
    for (const [event, data] of events) this.send({ type: 'event', event, data } as HostToWebview);
    this.options.onReady?.();
  }

  private reply(id: number, ok: boolean, payload: unknown): void {
    if (this.isDisposed) return;
    this.send(ok ? { type: 'response', id, ok: true, result: payload } : { type: 'response', id, ok: false, error: String(payload) });
  }

  private send(message: HostToWebview): void {
    try {
      const r = this.post(message) as unknown;
      // Webview.postMessage returns a Thenable that rejects once the panel is gone.
      if (r && typeof (r as Promise<unknown>).then === 'function') {
        (r as Promise<unknown>).then(undefined, (e) => this.options.onError?.('postMessage failed', e));
      }
    } catch (err) {
      this.options.onError?.('postMessage failed', err);
    }
  }
}

/** What a failed request tells the webview: errorText, with plain objects shown as JSON. */
export function errorMessage(err: unknown): string {
  if (err instanceof Error || typeof err === 'string') return errorText(err);
  try {
    return JSON.stringify(err) ?? String(err);
  } catch {
    return String(err);
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function describe(v: unknown): string {
  const s = (() => {
    try {
      return JSON.stringify(v) ?? String(v);
    } catch {
      return String(v);
    }
  })();
  return s.length > 200 ? s.slice(0, 200) + '…' : s;
}
