// A floor for the open benchmark: the least JavaScript that computes format and accuracy rewards
// and group advantages from a rollout file — the bare pass's line loop and JSON.parse, the
// trainer's format regex, the <answer> text compared by first letter, totals grouped by group
// id, one small JSON object per rollout. No offsets, no diagnostics, no explanations, no quirks,
// no recorded rewards, no other formats: what `score` does beyond this is what it costs to say why.
// Usage: minimal-score.mjs IN.jsonl OUT.jsonl
import { writeFileSync } from 'node:fs';
import { forEachLine } from './lines.mjs';

const FORMAT = /^<context>[\s\S]*?<\/context>\s*<think>[\s\S]*?<\/think>\s*<answer>[\s\S]*?<\/answer>$/;
const ANSWER = /<answer>\s*([\s\S]*?)\s*<\/answer>/;
const rows = [];
const groups = new Map();
forEachLine(process.argv[2], (buf, s, e) => {
  let r;
  try {
    r = JSON.parse(buf.toString('utf8', s, e));
  } catch {
    return;
  }
  const c = typeof r.completion === 'string' ? r.completion : '';
  const format = FORMAT.test(c) ? 1 : 0;
  const got = ANSWER.exec(c)?.[1]?.trim() ?? '';
  const ref = String(r.solution ?? r.answer ?? '');
  const want = ANSWER.exec(ref)?.[1]?.trim() ?? ref.trim();
  const accuracy = got !== '' && got[0].toUpperCase() === want[0]?.toUpperCase() ? 1 : 0;
  const key = r.group_id ?? r.problem;
  let g = groups.get(key);
  if (!g) groups.set(key, (g = []));
  g.push(rows.length);
  rows.push({ id: r.id, format, accuracy, total: format + accuracy });
});
const advantage = new Float64Array(rows.length);
for (const members of groups.values()) {
  let sum = 0;
  for (const i of members) sum += rows[i].total;
  const mean = sum / members.length;
  for (const i of members) advantage[i] = rows[i].total - mean;
}
writeFileSync(process.argv[3], rows.map((r, i) => JSON.stringify({ index: i, ...r, advantage: advantage[i] })).join('\n') + '\n');
