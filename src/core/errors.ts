// One way to say what went wrong, and one error for work that was stopped on purpose.

/** The text of anything thrown: an Error's message (or its name), a string as is, else its String(). */
export function errorText(e: unknown): string {
  if (e instanceof Error) return e.message || e.name;
  if (typeof e === 'string') return e;
  return String(e);
}

/** Work stopped because it was asked to stop (Ctrl-C, a Stop button, a newer request): not a failure. */
export class CancellationError extends Error {
  constructor(message = 'cancelled') {
    super(message);
    this.name = 'CancellationError';
  }
}
