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
  const waiters = hubs.get(signal) ?? newHub(signal);
  waiters.add(fn);
  return () => {
    waiters.delete(fn);
  };
}

/** Starts the signal's hub: its one listener calls every waiter registered by then. */
function newHub(signal: AbortSignal): Set<() => void> {
  const waiters = new Set<() => void>();
  hubs.set(signal, waiters);
  signal.addEventListener(
    'abort',
    () => {
      hubs.delete(signal);
      for (const f of waiters) f();
      waiters.clear();
    },
    { once: true },
  );
  return waiters;
}
