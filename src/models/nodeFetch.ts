// A minimal `fetch` over node:http/https with a keep-alive agent, for the openai package's
// `fetch` option in the checkpoint client. Node's built-in fetch (undici + web streams) costs
// about a millisecond of CPU per call. (The judge, at far higher call rates, skips the package
// altogether: src/models/openaiChat.ts.)
// Supports what the openai client uses: method, headers, string/Buffer body, AbortSignal;
// the response body streams (SSE works) and headers/status are exposed as a standard Response.

import http from 'node:http';
import https from 'node:https';
import { Readable } from 'node:stream';

export interface NodeFetchOptions {
  /** Most sockets per origin (default: unlimited; the judge's semaphore bounds use). */
  maxSockets?: number;
}

export function createNodeFetch(opts: NodeFetchOptions = {}): typeof fetch {
  const agents = {
    'http:': new http.Agent({ keepAlive: true, maxSockets: opts.maxSockets ?? Infinity }),
    'https:': new https.Agent({ keepAlive: true, maxSockets: opts.maxSockets ?? Infinity }),
  };
  const f = (input: string | URL | Request, init: RequestInit = {}): Promise<Response> =>
    new Promise((resolve, reject) => {
      const url = new URL(typeof input === 'string' || input instanceof URL ? input : input.url);
      const proto = url.protocol === 'https:' ? https : url.protocol === 'http:' ? http : undefined;
      if (!proto) return reject(new TypeError(`unsupported protocol ${url.protocol}`));
      const headers: Record<string, string> = {};
      new Headers(init.headers).forEach((v, k) => {
        headers[k] = v;
      });
      const body = init.body;
      if (body !== undefined && body !== null && typeof body !== 'string' && !(body instanceof Uint8Array)) {
        return reject(new TypeError('nodeFetch supports string and byte bodies only'));
      }
      if (body !== undefined && body !== null && headers['content-length'] === undefined) headers['content-length'] = String(Buffer.byteLength(body));
      const signal = init.signal ?? undefined;
      if (signal?.aborted) return reject(signal.reason ?? new DOMException('aborted', 'AbortError'));
      const req = proto.request(url, { method: init.method ?? 'GET', headers, agent: agents[url.protocol as 'http:' | 'https:'], signal }, (res) => {
        const h = new Headers();
        for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) h.set(k, Array.isArray(v) ? v.join(', ') : v);
        const status = res.statusCode ?? 0;
        const noBody = status === 204 || status === 304 || (init.method ?? 'GET').toUpperCase() === 'HEAD';
        const init2 = { status, statusText: res.statusMessage ?? '', headers: h };
        if (noBody) {
          res.resume();
          return resolve(new Response(null, init2));
        }
        // Server-sent events stream through; anything else is read whole first (cheaper than a
        // web stream per call), failing like fetch would if the connection drops mid-body.
        if ((res.headers['content-type'] ?? '').includes('text/event-stream')) {
          return resolve(new Response(Readable.toWeb(res) as ReadableStream<Uint8Array>, init2));
        }
        const parts: Buffer[] = [];
        let ended = false;
        res.on('data', (c: Buffer) => parts.push(c));
        res.on('end', () => {
          ended = true;
          resolve(new Response(Buffer.concat(parts), init2));
        });
        res.on('error', (e) => reject(new TypeError(`fetch failed: ${e.message}`, { cause: e })));
        res.on('close', () => {
          if (!ended) reject(new TypeError('fetch failed: the connection closed before the response body was complete'));
        });
      });
      req.on('error', (e) => reject(new TypeError(`fetch failed: ${e.message}`, { cause: e })));
      req.end(body ?? undefined);
    });
  return f as typeof fetch;
}
