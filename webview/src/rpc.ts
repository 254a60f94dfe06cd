// The webview's only way to talk to its host: typed requests matched to responses by id,
// error replies rejecting, and host events dispatched by name.

import type { HostMethods, HostToWebview, WebviewEvent, WebviewEvents, WebviewToHost } from '../../src/protocol/messages';

/** A message channel to the host: VS Code's postMessage, or the in-page report shim. */
export interface Transport {
  post(message: WebviewToHost): void;
  /** Subscribe to host messages; returns an unsubscribe function. */
  listen(handler: (message: HostToWebview) => void): () => void;
}

type Pending = { resolve: (v: unknown) => void; reject: (e: Error) => void };
type Listener<E extends WebviewEvent> = (data: WebviewEvents[E]) => void;

/** A protocol's requests: method → params and result. */
type MethodMap<T> = { [M in keyof T]: { params: unknown; result: unknown } };

/** `T` is the view's request protocol: the rollout views' HostMethods, or the run form's. */
export class RpcClient<T extends MethodMap<T> = HostMethods> {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly listeners = new Map<WebviewEvent, Set<Listener<WebviewEvent>>>();
  private readonly unlisten: () => void;
  private disposed = false;

  constructor(private readonly transport: Transport) {
    this.unlisten = transport.listen((m) => this.receive(m));
  }

  request<M extends keyof T & string>(method: M, params: T[M]['params']): Promise<T[M]['result']> {
    if (this.disposed) return Promise.reject(new Error('connection closed'));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      try {
        this.transport.post({ type: 'request', id, method, params } as WebviewToHost);
      } catch (e) {
        this.pending.delete(id);
        reject(e instanceof Error ? e : new Error(String(e)));
      }
    });
  }

  on<E extends WebviewEvent>(event: E, listener: Listener<E>): () => void {
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    set.add(listener as Listener<WebviewEvent>);
    return () => set!.delete(listener as Listener<WebviewEvent>);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.unlisten();
    for (const p of this.pending.values()) p.reject(new Error('connection closed'));
    this.pending.clear();
    this.listeners.clear();
  }

  private receive(m: HostToWebview): void {
    if (!m || typeof m !== 'object') return;
    if (m.type === 'response') {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (m.ok) p.resolve(m.result);
      else p.reject(new Error(m.error));
    } else if (m.type === 'event') {
      for (const l of this.listeners.get(m.event) ?? []) {
        try {
          l(m.data);
        } catch (e) {
          console.error(e);
        }
      }
    }
  }
}
