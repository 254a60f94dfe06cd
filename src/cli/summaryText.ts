// The human-readable summary of a scoring run (stderr of `omnitrace score`, reusable by report).

import { meanOf, RECORDED_PREFIX, type ScoreSummary } from '../core/score';
import type { ReadProblem } from '../core/types';

export const LISTED_PROBLEMS = 20;

export function problemLocation(p: ReadProblem): string {
  if (p.line !== undefined) return `${p.file}:${p.line}`;
  if (p.recordIndex !== undefined) return `${p.file} (record ${p.recordIndex})`;
  return p.file;
}

function table(rows: string[][]): string[] {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows.map(
    (r) =>
      '  ' +
      r
        .map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c])))
        .join('  ')
        .trimEnd(),
  );
}

function rewardOrder(names: Iterable<string>): string[] {
  const all = [...new Set(names)];
  const rank = (n: string) => (n === 'format' ? 0 : n === 'accuracy' ? 1 : n.startsWith(RECORDED_PREFIX) ? 3 : 2);
  return all.sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

export function formatScoreSummary(s: ScoreSummary): string {
  const out: string[] = [];
  out.push(`format: ${s.format} (${s.formatReason})`);
  out.push(`read ${s.read} rollout${s.read === 1 ? '' : 's'}, skipped ${s.skipped}${s.skipped ? ':' : ''}`);
  for (const p of s.problems.slice(0, LISTED_PROBLEMS)) out.push(`  ${problemLocation(p)}: ${p.message}`);
  if (s.skipped > LISTED_PROBLEMS) out.push(`  … and ${s.skipped - LISTED_PROBLEMS} more`);

  const types = Object.keys(s.rewards).sort();
  if (types.length) {
    const names = rewardOrder(types.flatMap((t) => Object.keys(s.rewards[t])));
    const rows: string[][] = [['problem type', 'n', ...names]];
    for (const t of types) {
      const cells = s.rewards[t];
      const n = Math.max(0, ...Object.values(cells).map((c) => c.n + c.missing));
      rows.push([
        t,
        String(n),
        ...names.map((name) => {
          const c = cells[name];
          const m = meanOf(c);
          if (m === null) return c && c.missing ? '—' : '';
          return m.toFixed(3) + (c!.missing ? '*' : '');
        }),
      ]);
    }
    out.push('mean reward by problem type:');
    out.push(...table(rows));
    if (types.some((t) => Object.values(s.rewards[t]).some((c) => c.missing))) {
      out.push('  (— no value could be computed; * mean over the rollouts that have a value)');
    }
  }
  const reasons = Object.entries(s.formatFailures).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  if (reasons.length) {
    out.push('format check failures by first reason:');
    out.push(...table(reasons.map(([code, n]) => [code, String(n)])));
  } else if (s.read) {
    out.push('format check failures: none');
  }
  out.push(`groups: ${s.groups}, zero-variance groups: ${s.zeroVarianceGroups}, single-member groups: ${s.singletonGroups}`);
  const g = s.grouping;
  if (g) {
    out.push(`grouping: ${g.note}`);
    out.push(`advantages: ${g.rule} rule, from ${g.totals} totals${g.advantageMismatches ? `; ${g.advantageMismatches} logged advantages differ from ours by more than 1e-6` : ''}`);
  }
  return out.join('\n') + '\n';
}
