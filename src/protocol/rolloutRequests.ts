// Serves the rollout view's requests from a view model: the same dispatch for the editor's
// panels, the live-run panel and the static report (whose host has no source to reveal and no
// run to stop).

import type { RolloutViewModel } from '../core/viewModel';
import type { HostMethods } from './messages';

type Params<M extends keyof HostMethods> = HostMethods[M]['params'];
type Result<M extends keyof HostMethods> = HostMethods[M]['result'];

export async function handleRolloutRequest<M extends keyof HostMethods>(model: RolloutViewModel, method: M, params: Params<M>): Promise<Result<M>> {
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
    case 'cancelRun':
      return { cancelled: false } as Result<M>;
    case 'getLabels':
      return { enabled: false, why: 'labels are made in the editor', blind: false, rewards: [] } as Result<M>;
    case 'setLabel':
    case 'undoLabel':
      throw new Error('labelling happens in the editor, not in a shared report');
    default:
      throw new Error(`unknown method ${String(method)}`);
  }
}
