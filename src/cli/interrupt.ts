// A command that can stop gracefully on Ctrl-C (finish writing what it has) claims the first
// SIGINT here; main.ts calls it instead of exiting. A second Ctrl-C exits at once.

let handler: (() => void) | undefined;

/** Claims the next SIGINT (undefined to release it). */
export function setInterruptHandler(h: (() => void) | undefined): void {
  handler = h;
}

/** Runs and releases the claimed handler; false when no command claimed the signal. */
export function takeInterrupt(): boolean {
  const h = handler;
  if (!h) return false;
  handler = undefined;
  h();
  return true;
}
