// The compare view in a shared report: its requests answered in-page from the embedded data.

import type { ReportData } from '../../../src/core/reportData';
import type { CompareMethods, CompareTrace } from '../../../src/protocol/compareView';
import type { HostToWebview } from '../../../src/protocol/messages';
import type { Transport } from '../rpc';

type Handlers = { [M in keyof CompareMethods]: (params: CompareMethods[M]['params']) => CompareMethods[M]['result'] };

export function inPageCompareTransport(data: ReportData & { compare: NonNullable<ReportData['compare']> }): Transport {
  const { comparison, traces, tracesOmitted } = data.compare;
  const handlers: Handlers = {
    getCompareInit: () => ({ title: data.title, comparison, host: 'report', ...(tracesOmitted ? { tracesOmitted } : {}) }),
    getTraces: ({ key }) => {
      const item = comparison.items.find((i) => i.key === key);
      const out: Record<string, CompareTrace> = {};
      for (const [name, cell] of Object.entries(item?.byCheckpoint ?? {})) {
        const text = traces[key]?.[name];
        out[name] = text === undefined ? { completion: null, where: cell.where, error: 'this report does not carry this trace' } : { completion: text, where: cell.where };
      }
      return out;
    },
    revealItem: () => ({ revealed: false }),
  };
  const listeners = new Set<(m: HostToWebview) => void>();
  return {
    post(m) {
      if (m.type !== 'request') return;
      const method = m.method as unknown as keyof CompareMethods;
      queueMicrotask(() => {
        let reply: HostToWebview;
        try {
          const handler = handlers[method] as ((p: unknown) => unknown) | undefined;
          if (!handler) throw new Error(`unknown method ${String(method)}`);
          reply = { type: 'response', id: m.id, ok: true, result: handler(m.params) };
        } catch (e) {
          reply = { type: 'response', id: m.id, ok: false, error: e instanceof Error ? e.message : String(e) };
        }
        for (const l of listeners) l(reply);
      });
    },
    listen(handler) {
      listeners.add(handler);
      return () => listeners.delete(handler);
    },
  };
}
