// Entry of the `omnitrace` command (bundled to dist/cli.js, launched by bin/omnitrace.js).
import { run } from './program';
import { runScoreWorkerIfAsked } from '../core/scoreWorker';

// The scorer starts worker threads on this same bundle; in one of those, serve and stop here.
if (!runScoreWorkerIfAsked()) {
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
