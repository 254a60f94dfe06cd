// Evaluate a checkpoint on the items of a rollout file: each item's clip and question (say,
// checkpoint A's eval results) run through the run pipeline against checkpoint B, C at a time,
// every finished item appended to one output file as rollout records that keep the item's id,
// so `compare` pairs them with the source. Resumable: items already complete in the output are
// not run again. A clip that cannot be found or a failed call is reported, and the rest runs on.

import { appendFile, readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { stat } from 'node:fs/promises';
import { readAll, type ReadOptions } from '../../core/readers/index';
import { resolveMediaPath } from '../../core/mediaPaths';
import type { PromptTexts } from '../../core/run/prompt';
import type { CheckpointProfile } from '../../core/run/request';
import type { RolloutRecord } from '../../core/types';
import type { MediaTools } from '../../media/ffmpeg';
import { runCheckpoint } from './runCheckpoint';
import { errorText } from '../../core/errors';

export interface RunItemsOptions {
  itemsFile: string;
  read?: ReadOptions;
  mediaRoots?: string[];
  profile: CheckpointProfile;
  tools: MediaTools;
  runsDir: string;
  texts?: PromptTexts;
  apiKey?: string;
  timeoutMs?: number;
  concurrency?: number;
  out: string;
  signal?: AbortSignal;
  onItem?: (p: { done: number; total: number; skipped: number; failed: number; key: string; error?: string }) => void;
}

export interface RunItemsResult {
  items: number;
  ran: number;
  /** Complete in the output already (a resumed run). */
  skipped: number;
  failed: { key: string; message: string }[];
  problems: string[];
}

interface Item {
  key: string;
  record: RolloutRecord;
}

/** The item key a run record keeps: the source's id, else its clip and question. */
function keyOf(r: RolloutRecord): string {
  return r.id !== undefined ? `id:${r.id}` : `clip:${r.clip?.path ?? ''}|${r.clip?.start ?? ''}|${r.clip?.end ?? ''}|${r.question.problem ?? ''}|${(r.question.options ?? []).join('\n')}`;
}

/** Keys the output already holds complete (every sample of the item on a whole line). */
async function completedKeys(out: string): Promise<Set<string>> {
  const done = new Set<string>();
  if (!existsSync(out)) return done;
  const counts = new Map<string, { seen: number; n: number }>();
  for (const line of (await readFile(out, 'utf8')).split('\n')) {
    if (!line.trim()) continue;
    try {
      const r = JSON.parse(line) as { item_key?: string; item_samples?: number };
      if (typeof r.item_key !== 'string') continue;
      const c = counts.get(r.item_key) ?? { seen: 0, n: r.item_samples ?? 1 };
      c.seen++;
      counts.set(r.item_key, c);
    } catch {
      // a line torn by an interrupted run: its item runs again
    }
  }
  for (const [k, c] of counts) if (c.seen >= c.n) done.add(k);
  return done;
}

export async function runItems(o: RunItemsOptions): Promise<RunItemsResult> {
  const { records, problems } = await readAll(o.itemsFile, o.read ?? {});
  const items: Item[] = [];
  const seen = new Set<string>();
  for (const r of records) {
    const key = keyOf(r);
    if (seen.has(key)) continue; // the item's other samples
    seen.add(key);
    items.push({ key, record: r });
  }
  const done = await completedKeys(o.out);
  const pending = items.filter((it) => !done.has(it.key));
  const result: RunItemsResult = {
    items: items.length,
    ran: 0,
    skipped: items.length - pending.length,
    failed: [],
    problems: problems.map((p) => `${p.file}${p.line !== undefined ? `:${p.line}` : ''}: ${p.message}`),
  };
  const exists = (p: string) =>
    stat(p).then(
      (s) => s.isFile(),
      () => false,
    );
  let next = 0;
  const worker = async () => {
    while (next < pending.length && !o.signal?.aborted) {
      const it = pending[next++]!;
      const r = it.record;
      let error: string | undefined;
      try {
        const media = await resolveMediaPath(r.clip?.path, { rolloutFile: resolve(r.source.file), mediaRoots: o.mediaRoots ?? [], dataType: r.clip?.dataType }, exists);
        if (media.status !== 'found') throw new Error(media.reason);
        const res = await runCheckpoint({
          clip: media.path,
          profile: o.profile,
          question: {
            problem: r.question.problem ?? '',
            ...(r.question.options ? { options: r.question.options } : {}),
            ...(r.question.problemType ? { problemType: r.question.problemType } : {}),
            ...(r.reference.answer !== undefined ? { answer: r.reference.answer } : {}),
            ...(r.reference.solution !== undefined ? { solution: r.reference.solution } : {}),
          },
          tools: o.tools,
          runsDir: o.runsDir,
          ...(o.texts ? { texts: o.texts } : {}),
          range: { start: r.clip?.start, end: r.clip?.end },
          ...(o.apiKey ? { apiKey: o.apiKey } : {}),
          ...(o.timeoutMs ? { timeoutMs: o.timeoutMs } : {}),
          signal: o.signal,
          save: false,
        });
        if (res.failure || !res.records) throw new Error(res.failure?.message ?? 'no samples');
        const n = res.records.length;
        // The item's identity carries over, so `compare` pairs these with the source by id.
        const lines = res.records.map((rec) => JSON.stringify({ ...rec, ...(r.id !== undefined ? { id: r.id } : {}), group_id: it.key, item_key: it.key, item_samples: n })).join('\n') + '\n';
        await appendFile(o.out, lines);
        result.ran++;
      } catch (e) {
        error = errorText(e);
        result.failed.push({ key: it.key, message: error });
      }
      o.onItem?.({ done: result.ran + result.failed.length, total: pending.length, skipped: result.skipped, failed: result.failed.length, key: it.key, ...(error ? { error } : {}) });
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, o.concurrency ?? 4) }, worker));
  return result;
}
