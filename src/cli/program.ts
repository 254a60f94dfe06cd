// The `omnitrace` program: subcommands (each in its own module under commands/) wired up, and
// errors turned into exit codes: 0 ran (even with skipped records), 1 the input could not be
// read, 2 usage error. Importable without side effects (main.ts runs it).

import { OutputCollisionError } from '../core/protectedFiles';
import { Command, CommanderError } from 'commander';
import { COMMANDS } from './commands/index';
import { CancelledError, InputError, PartialFailureError, UsageError, WorseError } from './errors';
import { ReadError } from '../core/readers/index';
import pkg from '../../package.json';

export function buildProgram(): Command {
  const program = new Command('omnitrace')
    .description('Debug the reasoning traces of omni-modal RL models (HumanOmniV2-style <context>/<think>/<answer>).')
    .version(pkg.version)
    .showHelpAfterError('(run with --help for usage)');
  // Set before commands are added so every subcommand inherits it.
  program.exitOverride();
  for (const c of COMMANDS) c.register(program);
  return program;
}

export async function run(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      // Commander has already printed its message (or the help / version).
      return e.exitCode === 0 ? 0 : 2;
    }
    if (e instanceof UsageError || e instanceof OutputCollisionError) {
      process.stderr.write(`omnitrace: ${e.message}\n`);
      return 2;
    }
    if (e instanceof PartialFailureError || e instanceof WorseError) {
      process.stderr.write(`omnitrace: ${e.message}\n`);
      return e.exitCode;
    }
    if (e instanceof CancelledError) {
      process.stderr.write(`omnitrace: ${e.message}\n`);
      return 130;
    }
    if (e instanceof InputError || e instanceof ReadError) {
      process.stderr.write(`omnitrace: ${e.message}\n`);
      return 1;
    }
    const code = (e as NodeJS.ErrnoException)?.code;
    // The reader of our stdout went away (`omnitrace score … | head`): nothing left to say.
    if (code === 'EPIPE') return 0;
    if (code === 'ENOENT' || code === 'EACCES' || code === 'EISDIR' || code === 'ENOTDIR' || code === 'ENOSPC') {
      process.stderr.write(`omnitrace: ${(e as Error).message}\n`);
      return 1;
    }
    process.stderr.write(`omnitrace: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    return 1;
  }
}
