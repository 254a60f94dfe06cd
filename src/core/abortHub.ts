// Many waiters on one AbortSignal: every judge call in flight and every rollout queued for a call
// slot, hundreds at a time. EventTarget keeps a signal's listeners in a list that each
// removeEventListener walks, and its add and remove showed in the judge's profile at a thousand
// calls a second. One listener per signal fans out to a Set instead.

const hubs = new WeakMap<AbortSignal, Set<() => void>>();

/**
 * Calls `fn` once when `signal` aborts (as addEventListener('abort', fn, { once: true }) would:
 * nothing for a signal already aborted). Returns the function that unregisters it.
 */
export function onAbort(signal: AbortSignal, fn: () => void): () => void {
  let waiters = hubs.get(signal);
  if (waiters === undefined) {
    const set = new Set<() => void>();
    hubs.set(signal, set);
    signal.addEventListener(
      'abort',
      () => {
        hubs.delete(signal);
        for (const f of set) f();
        set.clear();
      },
      { once: true },
    );
    waiters = set;
  }
  const own = waiters;
  own.add(fn);
  return () => {
    own.delete(fn);
  };
}
