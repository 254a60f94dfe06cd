// Drives the run form ("Run Checkpoint on Clip…") headlessly through its typed messages, the way
// its webview would: wait for the form panel, ask for its init, submit values or cancel.
import type { FakePanel, FakeState } from './fakeVscode';
import type { RunFormInit, RunFormMethods, RunFormToHost } from '../../src/protocol/messages';
import type { RunFormValues } from '../../src/core/run/runForm';

export const RUN_FORM_VIEW = 'omnitrace.runForm';

export interface DrivenForm {
  panel: FakePanel;
  /** getRunForm's result. */
  init(): Promise<RunFormInit>;
  /** Sends submitRunForm with the init's values overridden by `values`; returns the reply. */
  submit(values: Partial<RunFormValues>): Promise<RunFormMethods['submitRunForm']['result']>;
  cancel(): Promise<RunFormMethods['cancelRunForm']['result']>;
}

/**
 * The next run form panel the command opens. Rejects when the command ends first (it opened no
 * form: a warning, an error) with what the command said.
 */
export async function nextRunForm(state: FakeState, running: Promise<unknown>, seen = new Set<FakePanel>(state.webviewPanels)): Promise<DrivenForm> {
  let ended = false;
  void running.then(
    () => (ended = true),
    () => (ended = true),
  );
  for (;;) {
    const panel = state.webviewPanels.find((p) => !seen.has(p) && p.panel.viewType === RUN_FORM_VIEW);
    if (panel) return driveForm(panel);
    if (ended) throw new Error(`the command ended without a run form: ${state.messages.map((m) => `${m.level}: ${m.text}`).join(' | ')}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

export function driveForm(panel: FakePanel): DrivenForm {
  let id = 1000;
  let init: RunFormInit | undefined;
  const request = async <M extends keyof RunFormMethods>(method: M, params: RunFormMethods[M]['params']): Promise<RunFormMethods[M]['result']> => {
    const rid = ++id;
    await panel.send({ type: 'request', id: rid, method, params } as RunFormToHost);
    const r = panel.responses().find((m) => m.id === rid);
    if (!r) throw new Error(`no reply to ${method}`);
    if (!r.ok) throw new Error(`${method} failed: ${r.error}`);
    return r.result;
  };
  const form: DrivenForm = {
    panel,
    async init() {
      init = await request('getRunForm', {});
      return init;
    },
    async submit(values) {
      const base = init ?? (await form.init());
      return request('submitRunForm', { values: { ...base.values, ...values } });
    },
    cancel: () => request('cancelRunForm', {}),
  };
  return form;
}
