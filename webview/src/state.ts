// What the view remembers across reloads: the selection, the filters, the toggles.
// In VS Code this is the webview state (survives hiding the panel); in a report, memory.

import type { RowQuery } from '../../src/protocol/messages';

export interface ViewState {
  query: RowQuery;
  selected?: number;
  showReference?: boolean;
  /** Unset until the user toggles it: open in reports, closed in the editor (where the table matters most). */
  chartOpen?: boolean;
  /** Colour trace sentences by the modality they cite; unset means on. */
  modalityColours?: boolean;
  /** The label bar is open above the trace (editor only). */
  labelling?: boolean;
}

export interface StateStore {
  load(): ViewState;
  save(state: ViewState): void;
}

function sane(raw: unknown): ViewState {
  if (!raw || typeof raw !== 'object') return { query: {} };
  const s = raw as Partial<ViewState>;
  return {
    query: s.query && typeof s.query === 'object' ? s.query : {},
    selected: typeof s.selected === 'number' ? s.selected : undefined,
    showReference: !!s.showReference,
    chartOpen: typeof s.chartOpen === 'boolean' ? s.chartOpen : undefined,
    modalityColours: typeof s.modalityColours === 'boolean' ? s.modalityColours : undefined,
  };
}

export function vscodeStateStore(api: VsCodeApi): StateStore {
  return { load: () => sane(api.getState()), save: (s) => api.setState(s) };
}

export function memoryStateStore(): StateStore {
  let state: ViewState = { query: {} };
  return { load: () => sane(state), save: (s) => (state = s) };
}
