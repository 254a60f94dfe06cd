// Everything the CLI prints to stderr passes through one filter: summaries and error messages
// quote data (problem types, file names, model text), and a control sequence in the data must
// not retitle or clear the user's terminal.
import { escapeControls } from '../core/invisibleChars';

export function escapeStderr(): void {
  const write = process.stderr.write.bind(process.stderr) as (chunk: unknown, ...rest: unknown[]) => boolean;
  process.stderr.write = ((chunk: unknown, ...rest: unknown[]) =>
    write(typeof chunk === 'string' ? escapeControls(chunk) : Buffer.isBuffer(chunk) ? escapeControls(chunk.toString('utf8')) : chunk, ...rest)) as typeof process.stderr.write;
}
