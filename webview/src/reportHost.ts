// Report mode: the data is embedded in the page, and the view model the extension host uses
// answers the view's requests in-page.

import type { ReportData } from '../../src/core/reportData';
import { base64ToBytes, expandScored, isEncodedReportData } from '../../src/core/reportData';
import { RolloutViewModel, summarise, withShortcutVerdicts } from '../../src/core/viewModel';
import type { ScoredRollout } from '../../src/core/types';

export const REPORT_DATA_ID = 'omnitrace-data';

/** True when the page carries embedded report data (decided before anything is decoded). */
export function hasReportData(doc: Document): boolean {
  return doc.getElementById(REPORT_DATA_ID)?.getAttribute('type') === 'application/json';
}

export async function readReportData(doc: Document): Promise<ReportData> {
  const node = doc.getElementById(REPORT_DATA_ID);
  const parsed: unknown = JSON.parse(node?.textContent ?? 'null');
  if (!isEncodedReportData(parsed)) return parsed as ReportData;
  const stream = new Blob([base64ToBytes(parsed.data)]).stream().pipeThrough(new DecompressionStream('gzip'));
  return JSON.parse(await new Response(stream).text()) as ReportData;
}

export function reportModel(data: ReportData): RolloutViewModel {
  const byIndex = new Map<number, { scored: ScoredRollout; at: number }>();
  data.scored.forEach((s, at) => {
    expandScored(s);
    byIndex.set(s.record.index, { scored: s, at });
  });
  let haystacks: Map<number, string> | undefined;
  const shortcuts = new Map((data.shortcuts?.lines ?? []).map((l) => [l.index, l]));
  const model = new RolloutViewModel(
    {
      title: data.title,
      fileName: data.fileName,
      format: data.format,
      host: 'report',
      trusted: false,
      rewardPlacement: data.rewardPlacement,
      getDetail: async (index) => {
        const hit = byIndex.get(index);
        if (!hit) throw new Error(`no rollout with index ${index}`);
        return hit.scored;
      },
      getMedia: (scored) => data.media[byIndex.get(scored.record.index)?.at ?? -1] ?? { status: 'missing', reason: 'no clip recorded for this rollout' },
      getShortcut: async (index) => {
        const line = shortcuts.get(index);
        if (!line) return undefined;
        const key = line.shortcut?.inventoryKey;
        return { shortcut: line.shortcut, cues: key ? data.shortcuts?.inventories[key] : undefined, error: line.error };
      },
      shortcutSummary: () => data.shortcuts?.summary,
      search: async (text) => {
        // Built on first use: most report readers never search.
        haystacks ??= new Map(
          data.scored.map((s) => [s.record.index, [s.record.id ?? '', s.record.question.problem ?? '', ...(s.record.question.options ?? []), s.record.completion].join('\n').toLowerCase()]),
        );
        const hits = new Set<number>();
        for (const [i, h] of haystacks) if (h.includes(text)) hits.add(i);
        return hits;
      },
    },
    data.scored.map((s) => withShortcutVerdicts(summarise(s), shortcuts.get(s.record.index))),
  );
  model.setProblems(data.problems, data.problemCount);
  return model;
}
