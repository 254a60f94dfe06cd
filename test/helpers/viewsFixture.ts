// test/fixtures/views.rollouts.jsonl as the rollout-view tests open it: scored, in VS Code's
// editor, in a trusted workspace.
import { resolve } from 'node:path';
import { scoreAll } from '../../src/core/score';
import { RolloutViewModel, summarise, type RolloutSource } from '../../src/core/viewModel';
import type { ScoredRollout } from '../../src/core/types';
import type { RowSummary } from '../../src/protocol/messages';

const FIXTURE = resolve(__dirname, '..', 'fixtures', 'views.rollouts.jsonl');

export async function scoreViewsFixture(): Promise<ScoredRollout[]> {
  return (await scoreAll(FIXTURE)).scored;
}

/**
 * The rollout view's model over `scored`, opened as that file. Details are read from `scored` on
 * each request, so a test may swap a rollout in; `source` adds what the test plays (the clip,
 * shortcut verdicts) and `rows` replaces the table's rows.
 */
export function viewsModel(scored: ScoredRollout[], source: Pick<RolloutSource, 'getMedia'> & Partial<RolloutSource>, rows: RowSummary[] = scored.map(summarise)): RolloutViewModel {
  return new RolloutViewModel({ title: 'views.rollouts.jsonl', fileName: 'views.rollouts.jsonl', format: 'jsonl', host: 'vscode', trusted: true, getDetail: async (i) => scored[i]!, ...source }, rows);
}
