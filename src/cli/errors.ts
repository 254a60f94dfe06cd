// Errors the CLI reports as one line (no stack trace) with a fixed exit code.

import { CancellationError } from '../core/errors';

/** Bad arguments or options: exit 2. */
export class UsageError extends Error {
  readonly exitCode = 2;
}

/** The input cannot be read at all: exit 1. */
export class InputError extends Error {
  readonly exitCode = 1;
}

/** The user interrupted (Ctrl-C) after partial results were written: exit 130. */
export class CancelledError extends CancellationError {
  readonly exitCode = 130;
}

/** The command finished and wrote everything, but some judge calls failed for good: exit 3. */
export class PartialFailureError extends Error {
  readonly exitCode = 3;
}

/** `compare --fail-if worse` found a significantly worse comparison: exit 4. */
export class WorseError extends Error {
  readonly exitCode = 4;
}
