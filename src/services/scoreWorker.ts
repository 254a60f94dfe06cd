// Worker-thread side of the parallel scorer. The CLI bundle starts workers on its own file, so
// its entry calls this first: in a scoring worker it serves blocks and the CLI does not run.

import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { createChunkScorer, type ChunkTask } from '../core/scoreChunk';
import { SCORE_WORKER_MARK } from './scoreParallel';

export function runScoreWorkerIfAsked(): boolean {
  if (isMainThread || !parentPort || !workerData?.[SCORE_WORKER_MARK]) return false;
  const port = parentPort;
  const score = createChunkScorer(workerData.settings);
  port.on('message', (task: ChunkTask) => {
    const r = score(task);
    const g = r.groups;
    port.postMessage(r, [r.out.buffer, g.keyOf.buffer, g.totals.buffer, g.recordedAdvantage.buffer, g.sourceOf.buffer] as ArrayBuffer[]);
  });
  return true;
}
