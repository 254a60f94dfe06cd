// Human labels of judged rewards: one JSONL line per label in `.omnitrace/labels/<name>.jsonl`,
//   {"id", "reward", "score", "labeller", "time", "reason"?, "key"}
// `score` is on the template's raw scale; `key` is a content hash of the completion and the
// reference, so labels survive renames and items without an id are matched by it.

export interface Label {
  id?: string;
  reward: string;
  score: number;
  labeller: string;
  time: string;
  reason?: string;
  key: string;
}

/** The scores a reward's scale allows (HumanOmniV2's context scale has no 3). */
export const LABEL_SCALES: Record<string, readonly number[]> = {
  context: [0, 1, 2, 4, 5],
  logic: [0, 1, 2, 3, 4, 5],
  accuracy: [0, 1, 2, 3, 4, 5],
};

export function scaleOf(reward: string): readonly number[] {
  return LABEL_SCALES[reward] ?? [0, 1, 2, 3, 4, 5];
}

export interface LabelProblem {
  file: string;
  line: number;
  message: string;
}

/** Parses a labels file; bad lines (bad JSON, a score off the reward's scale) are problems naming the line. */
export function parseLabels(text: string, file: string): { labels: Label[]; problems: LabelProblem[] } {
  const labels: Label[] = [];
  const problems: LabelProblem[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = i + 1;
    if (raw.trim() === '') return;
    let v: unknown;
    try {
      v = JSON.parse(raw);
    } catch (e) {
      problems.push({ file, line, message: `not JSON: ${(e as Error).message}` });
      return;
    }
    const o = v as Record<string, unknown>;
    if (typeof o !== 'object' || o === null || Array.isArray(o)) return void problems.push({ file, line, message: 'a label is a JSON object' });
    if (typeof o.reward !== 'string' || o.reward === '') return void problems.push({ file, line, message: 'no "reward"' });
    if (typeof o.score !== 'number' || !Number.isFinite(o.score)) return void problems.push({ file, line, message: 'no numeric "score"' });
    const scale = scaleOf(o.reward);
    if (!scale.includes(o.score)) return void problems.push({ file, line, message: `score ${o.score} is not on the ${o.reward} scale (${scale.join(', ')})` });
    if (typeof o.key !== 'string' || o.key === '') return void problems.push({ file, line, message: 'no "key" (the content hash of completion and reference)' });
    if (typeof o.labeller !== 'string' || o.labeller === '') return void problems.push({ file, line, message: 'no "labeller"' });
    const label: Label = { reward: o.reward, score: o.score, labeller: o.labeller, time: typeof o.time === 'string' ? o.time : '', key: o.key };
    if (typeof o.id === 'string' || typeof o.id === 'number') label.id = String(o.id);
    if (typeof o.reason === 'string' && o.reason.trim() !== '') label.reason = o.reason;
    labels.push(label);
  });
  return { labels, problems };
}

/** One JSONL line per label, in the file's field order. */
export function formatLabel(l: Label): string {
  return JSON.stringify({ id: l.id, reward: l.reward, score: l.score, labeller: l.labeller, time: l.time, ...(l.reason ? { reason: l.reason } : {}), key: l.key });
}

/** A labeller's latest label per (key, reward): a relabel replaces the earlier one. */
export function latestLabels(labels: readonly Label[]): Label[] {
  const by = new Map<string, Label>();
  for (const l of labels) by.set(`${l.labeller}\u0000${l.reward}\u0000${l.key}`, l);
  return [...by.values()];
}
