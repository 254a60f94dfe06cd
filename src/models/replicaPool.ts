// Several judge replicas with no router in front (e.g. vLLM on each GPU node): each call goes to
// the replica with the fewest requests outstanding (ties: the one used least recently), the way a
// least-outstanding-requests load balancer does. A replica that fails with what a retry could fix
// (connection refused, timeout, 429, 5xx) is backed off — left out of the choice for
// min(maxMs, baseMs × 2^(failures − 1)) — and the error goes back to the runner, whose retry then
// lands on another replica: a dead replica slows the run down, it never fails it. When every
// replica is backed off, the one whose backoff ends first is tried anyway.

import { ChatCallError, type ChatBackend, type ChatRequest, type ChatResponse } from '../core/judge/types';

export interface Replica {
  url: string;
  backend: ChatBackend;
}

interface State extends Replica {
  outstanding: number;
  failures: number;
  /** Backed off until this time (ms, the pool's clock). */
  until: number;
  lastPicked: number;
  calls: number;
  errors: number;
}

export interface ReplicaPoolOptions {
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  now?: () => number;
}

export interface ReplicaStats {
  url: string;
  calls: number;
  errors: number;
  outstanding: number;
  backedOffForMs: number;
}

export class ReplicaPool implements ChatBackend {
  private readonly replicas: State[];
  private readonly now: () => number;
  private readonly baseMs: number;
  private readonly maxMs: number;
  private picks = 0;

  constructor(replicas: Replica[], opts: ReplicaPoolOptions = {}) {
    if (replicas.length === 0) throw new Error('a replica pool needs at least one replica');
    this.replicas = replicas.map((r) => ({ ...r, outstanding: 0, failures: 0, until: 0, lastPicked: -1, calls: 0, errors: 0 }));
    this.now = opts.now ?? (() => performance.now());
    this.baseMs = opts.backoffBaseMs ?? 1000;
    this.maxMs = opts.backoffMaxMs ?? 60_000;
  }

  stats(): ReplicaStats[] {
    const t = this.now();
    return this.replicas.map((r) => ({ url: r.url, calls: r.calls, errors: r.errors, outstanding: r.outstanding, backedOffForMs: Math.max(0, Math.round(r.until - t)) }));
  }

  private pick(): State {
    const t = this.now();
    const live = this.replicas.filter((r) => r.until <= t);
    if (live.length === 0) return this.replicas.reduce((a, b) => (b.until < a.until ? b : a));
    return live.reduce((a, b) => (b.outstanding < a.outstanding || (b.outstanding === a.outstanding && b.lastPicked < a.lastPicked) ? b : a));
  }

  async complete(req: ChatRequest, opts: { signal?: AbortSignal; timeoutMs: number }): Promise<ChatResponse> {
    const r = this.pick();
    r.lastPicked = this.picks++;
    r.outstanding++;
    r.calls++;
    try {
      const res = await r.backend.complete(req, opts);
      r.failures = 0;
      return { ...res, endpoint: r.url };
    } catch (e) {
      if (e instanceof ChatCallError && e.retryable) {
        r.errors++;
        r.failures++;
        r.until = this.now() + Math.min(this.maxMs, this.baseMs * 2 ** (r.failures - 1));
        throw new ChatCallError(`${r.url}: ${e.message}`, e.kind, e.status, e.retryAfterMs);
      }
      throw e;
    } finally {
      r.outstanding--;
    }
  }
}
