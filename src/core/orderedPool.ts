// Bounded concurrency: a counting semaphore (judge calls, sidebar sniffing, cue inventories), and
// work run with a bounded number in flight whose results are handed over in input order, so an
// output file written from them is the same whatever finished first (a folder of clips: one cue
// inventory each, ffmpeg decoding one clip while the models read another).

import { onAbort } from './abortHub';

export interface OrderedPoolOptions {
  /** Most items in flight at once (at least 1). */
  jobs: number;
  /** Stops starting items; those in flight finish and are delivered. */
  signal?: AbortSignal;
  /** Each time an item starts or settles: how many are in flight and which. */
  onRunning?: (running: number[]) => void;
}

/**
 * Calls `work` on every item with at most `jobs` running, and `deliver` once per finished item in
 * index order (item i is delivered only after items 0…i−1). A rejected `work` rejects the whole
 * run after the items in flight have settled; callers that want to keep going turn their failures
 * into results. Returns how many items were delivered and whether the signal stopped the run early.
 */
export async function runOrdered<T, R>(
  items: readonly T[],
  work: (item: T, index: number) => Promise<R>,
  deliver: (result: R, index: number) => void | Promise<void>,
  o: OrderedPoolOptions,
): Promise<{ delivered: number; cancelled: boolean }> {
  const jobs = Math.max(1, Math.floor(o.jobs));
  const done = new Map<number, R>();
  const running = new Set<number>();
  let next = 0;
  let delivered = 0;
  let failure: { error: unknown } | undefined;
  let delivering: Promise<void> = Promise.resolve();

  const flush = async () => {
    while (!failure && done.has(delivered)) {
      const r = done.get(delivered)!;
      done.delete(delivered);
      await deliver(r, delivered);
      delivered++;
    }
  };

  await new Promise<void>((resolveAll) => {
    const startMore = () => {
      while (!failure && !o.signal?.aborted && running.size < jobs && next < items.length) {
        const i = next++;
        running.add(i);
        o.onRunning?.([...running]);
        work(items[i]!, i).then(
          (r) => {
            done.set(i, r);
            settle(i);
          },
          (e) => {
            failure ??= { error: e };
            settle(i);
          },
        );
      }
      if (running.size === 0) resolveAll();
    };
    const settle = (i: number) => {
      running.delete(i);
      o.onRunning?.([...running]);
      // Deliveries are chained so a slow deliver never runs twice at once or out of order.
      delivering = delivering.then(flush).catch((e) => {
        failure ??= { error: e };
      });
      startMore();
    };
    startMore();
  });
  await delivering;
  if (failure) throw failure.error;
  return { delivered, cancelled: delivered < items.length };
}

/**
 * Yields `src` in order while keeping up to `size` items read ahead; `onEnter` sees each item as
 * it enters the window, so work for the next items (a clip's inventory) can start early.
 */
export async function* readAhead<T>(src: AsyncIterable<T>, size: number, onEnter: (item: T) => void): AsyncGenerator<T> {
  const it = src[Symbol.asyncIterator]();
  const window: T[] = [];
  let ended = false;
  try {
    for (;;) {
      while (!ended && window.length < Math.max(1, size)) {
        const n = await it.next();
        if (n.done) ended = true;
        else {
          onEnter(n.value);
          window.push(n.value);
        }
      }
      if (window.length === 0) return;
      yield window.shift()!;
    }
  } finally {
    if (!ended) await it.return?.();
  }
}

/** At most `n` calls of the wrapped functions run at once; the others wait in call order. */
export function limiter(n: number): <R>(f: () => Promise<R>) => Promise<R> {
  const sem = new Semaphore(Math.max(1, n));
  return async (f) => {
    await sem.acquire();
    try {
      return await f();
    } finally {
      sem.release();
    }
  };
}

/** Counting semaphore; `acquire` resolves false when the signal aborts first. */
export class Semaphore {
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  constructor(private readonly limit: number) {}
  get inUse(): number {
    return this.active;
  }
  acquire(signal?: AbortSignal): Promise<boolean> {
    if (signal?.aborted) return Promise.resolve(false);
    if (this.active < this.limit) {
      this.active++;
      return Promise.resolve(true);
    }
    return new Promise<boolean>((resolve) => {
      const grant = () => {
        forget?.();
        this.active++;
        resolve(true);
      };
      this.waiting.push(grant);
      const forget =
        signal &&
        onAbort(signal, () => {
          const i = this.waiting.indexOf(grant);
          if (i >= 0) this.waiting.splice(i, 1);
          resolve(false);
        });
    });
  }
  release(): void {
    this.active--;
    const next = this.waiting.shift();
    if (next) next();
  }
}
