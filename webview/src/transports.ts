// The two hosts a view can have: VS Code (postMessage) and a static HTML report, where the
// same RolloutViewModel the extension uses runs in the page over embedded data.

import type { HostToWebview, WebviewToHost } from '../../src/protocol/messages';
import { RolloutViewModel } from '../../src/core/viewModel';
import type { Transport } from './rpc';
import { handleRolloutRequest, isRolloutViewMethod } from '../../src/protocol/rolloutRequests';
import { errorText } from '../../src/core/errors';

export function vscodeTransport(api: VsCodeApi): Transport {
  return {
    post: (m) => api.postMessage(m),
    listen(handler) {
      // Only the host speaks to us: VS Code forwards its messages from the webview's own origin.
      // Anything else (another frame, a page the view was navigated to) is dropped.
      const onMessage = (e: MessageEvent) => {
        if (e.origin !== window.origin) return;
        const m = e.data as HostToWebview | undefined;
        if (!m || (m.type !== 'response' && m.type !== 'event')) return;
        handler(m);
      };
      window.addEventListener('message', onMessage);
      return () => window.removeEventListener('message', onMessage);
    },
  };
}

/** Answers requests in-page; responses are delivered asynchronously like a real host's. */
export function inPageTransport(model: RolloutViewModel): Transport {
  const handlers = new Set<(m: HostToWebview) => void>();
  const deliver = (m: HostToWebview) => {
    for (const h of handlers) h(m);
  };
  return {
    post(m: WebviewToHost) {
      if (m.type !== 'request') return;
      // A report answers what any host answers; stopping a run or labelling are the editor's.
      const method = m.method;
      const answer = isRolloutViewMethod(method) ? handleRolloutRequest(model, method, m.params as never) : Promise.reject(new Error(`${method} is not available in a shared report`));
      answer.then(
        (result) => deliver({ type: 'response', id: m.id, ok: true, result }),
        (e: unknown) => deliver({ type: 'response', id: m.id, ok: false, error: errorText(e) }),
      );
    },
    listen(handler) {
      handlers.add(handler);
      return () => handlers.delete(handler);
    },
  };
}

/** A view's requests answered in-page by plain handlers (a report's compare or lab view). */
export function handlerTransport<T extends { [M in keyof T]: { params: unknown; result: unknown } }>(
  handlers: { [M in keyof T]: (params: T[M]['params']) => T[M]['result'] | Promise<T[M]['result']> },
): Transport {
  const listeners = new Set<(m: HostToWebview) => void>();
  return {
    post(m) {
      if (m.type !== 'request') return;
      const handler = (handlers as Record<string, ((p: unknown) => unknown) | undefined>)[m.method];
      Promise.resolve()
        .then(() => {
          if (!handler) throw new Error(`unknown method ${String(m.method)}`);
          return handler(m.params);
        })
        .then(
          (result): HostToWebview => ({ type: 'response', id: m.id, ok: true, result }),
          (e: unknown): HostToWebview => ({ type: 'response', id: m.id, ok: false, error: errorText(e) }),
        )
        .then((reply) => {
          for (const l of listeners) l(reply);
        });
    },
    listen(handler) {
      listeners.add(handler);
      return () => listeners.delete(handler);
    },
  };
}
