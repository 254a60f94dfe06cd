// The rollout view's load without VS Code: the store reading and scoring a file on its worker
// (dist/scoreRowsWorker.js), in a plain Node process, as bench/openInCodeServer.ts's inner peer.
// What the editor adds over this is VS Code's and Chromium's share of the machine. Prints
// {read, ms, firstRowsMs, hostBusyMs} as JSON. Usage: storeLoad.ts FILE

import { join } from 'node:path';
import { RolloutStore } from '../src/host/rolloutStore';
import { ROOT } from './common';

async function main(): Promise<void> {
  const file = process.argv[2];
  if (!file) throw new Error('usage: storeLoad.ts FILE');
  const store = new RolloutStore(
    file,
    {
      title: 'bench',
      fileName: 'bench',
      trusted: () => true,
      getMedia: async () => ({ status: 'missing', reason: 'not needed' }),
      scoreWorker: join(ROOT, 'dist', 'scoreRowsWorker.js'),
    },
    { score: { scaleRewards: false, regressionVariant: 'trainer' }, maxProblems: 10 },
  );
  const t0 = performance.now();
  let firstRowsMs = Number.NaN;
  store.onDidInvalidate(() => {
    if (Number.isNaN(firstRowsMs) && store.model.size > 0) firstRowsMs = Math.round(performance.now() - t0);
  });
  const r = await store.load();
  if (r.status !== 'done') throw new Error(`load ${r.status}: ${r.error ?? ''}`);
  process.stdout.write(`${JSON.stringify({ read: r.read, ms: Math.round(performance.now() - t0), firstRowsMs, hostBusyMs: Math.round(r.hostBusyMs) })}\n`);
  store.dispose();
}

main().catch((e) => {
  process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
