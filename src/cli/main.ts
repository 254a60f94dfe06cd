// Entry of the `omnitrace` command (bundled to dist/cli.js, launched by bin/omnitrace.js).
import { run } from './program';
import { runScoreWorkerIfAsked } from '../services/scoreWorker';
import { removeTempsSync } from '../core/atomicFile';
import { takeInterrupt } from './interrupt';
import { escapeStderr } from './terminal';

// The scorer starts worker threads on this same bundle; in one of those, serve and stop here.
if (!runScoreWorkerIfAsked()) {
  escapeStderr();
  // Interrupted: remove half-written temp files (outputs are only ever renamed into place). A
  // command may claim the first Ctrl-C to stop gracefully (omnitrace judge); the next one exits.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (signal === 'SIGINT' && takeInterrupt()) return;
      removeTempsSync();
      process.exit(signal === 'SIGINT' ? 130 : 143);
    });
  }
  // A reader that goes away (`omnitrace … | head`) is not an error: stop quietly, as Unix tools do.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE') throw e;
    removeTempsSync();
    process.exit(0);
  });
  run(process.argv).then(
    (code) => {
      process.exitCode = code;
    },
    (e) => {
      process.stderr.write(`omnitrace: ${String(e)}\n`);
      process.exitCode = 1;
    },
  );
}
