// Serves the rollout view's base requests from a view model: the same dispatch for the editor's
// panels, the live-run panel and the static report (whose host has no source to reveal).

import type { RolloutViewModel } from '../core/viewModel';
import type { RolloutViewMethods } from './rolloutView';

type Params<M extends keyof RolloutViewMethods> = RolloutViewMethods[M]['params'];
type Result<M extends keyof RolloutViewMethods> = RolloutViewMethods[M]['result'];

const BASE: readonly string[] = ['getInit', 'getRows', 'getRollout', 'locateRow', 'revealSource'];

/** A method every host of the rollout view answers (the others belong to the editor's hosts). */
export function isRolloutViewMethod(method: string): method is keyof RolloutViewMethods {
  return BASE.includes(method);
}

export async function handleRolloutRequest<M extends keyof RolloutViewMethods>(model: RolloutViewModel, method: M, params: Params<M>): Promise<Result<M>> {
  switch (method) {
    case 'getInit':
      return (await model.getInit()) as Result<M>;
    case 'getRows':
      return (await model.getRows(params as Params<'getRows'>)) as Result<M>;
    case 'getRollout':
      return (await model.getRollout(params as Params<'getRollout'>)) as Result<M>;
    case 'locateRow': {
      const { query, index } = params as Params<'locateRow'>;
      return { position: await model.positionOf(query, index) } as Result<M>;
    }
    case 'revealSource':
      return { revealed: false } as Result<M>;
    default:
      throw new Error(`unknown method ${String(method)}`);
  }
}
