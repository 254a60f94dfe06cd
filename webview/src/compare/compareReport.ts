// The compare view in a shared report: its requests answered in-page from the embedded data.

import type { ReportData } from '../../../src/core/reportData';
import type { CompareMethods, CompareTrace } from '../../../src/protocol/compareView';
import { handlerTransport } from '../transports';
import type { Transport } from '../rpc';

export function inPageCompareTransport(data: ReportData & { compare: NonNullable<ReportData['compare']> }): Transport {
  const { comparison, traces, tracesOmitted } = data.compare;
  return handlerTransport<CompareMethods>({
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
  });
}
