// `omnitrace compare <a> <b> [<c> …]`: checkpoints on the same items, paired. Every later source
// is compared with the first (the baseline), or every pair with --all-pairs; per reward and
// problem type the paired test, the bootstrap CI of the difference and a verdict after Holm (or
// Benjamini–Hochberg). A table goes to stderr, the full comparison to --out (compare.json).

import { InvalidArgumentError, Option, type Command } from 'commander';
import { resolve } from 'node:path';
import { addInputOptions, guardOutputs, inputOptionsFrom, type InputOptionValues } from '../options';
import { InputError, UsageError, WorseError } from '../errors';
import { writeFileAtomic } from '../../core/atomicFile';
import { CompareError, compareSources, type Comparison, type PairBy } from '../../core/compare/compare';
import { loadCompareSources, type SourceSpec } from '../../services/compareFiles';

interface CompareCliOptions extends InputOptionValues {
  label?: string[];
  baseline?: string;
  allPairs?: boolean;
  by?: PairBy;
  out?: string;
  failIf?: string;
  adjust?: 'holm' | 'bh';
  alpha?: number;
  resamples?: number;
  seed?: number;
}

const collect = (value: string, previous: string[] | undefined) => [...(previous ?? []), value];

function num(min: number, max: number, integer: boolean) {
  return (v: string) => {
    const n = Number(v);
    if (!Number.isFinite(n) || n < min || n > max || (integer && !Number.isInteger(n))) throw new InvalidArgumentError(`expected ${integer ? 'a whole number' : 'a number'} from ${min} to ${max}`);
    return n;
  };
}

const fmt = (x: number, d = 3) => (Number.isFinite(x) ? (Math.round(x * 10 ** d) / 10 ** d).toFixed(d) : '—');
const pfmt = (p: number) => (p < 0.0001 ? '<0.0001' : p.toFixed(4));

/** The table on stderr: one block per pair. */
export function formatComparison(c: Comparison): string {
  const out: string[] = [];
  out.push(`checkpoints: ${c.checkpoints.map((k) => `${k.name} (${k.items} items, ${k.records} records)`).join(', ')}`);
  for (const p of c.pairs) {
    out.push('');
    out.push(
      `${p.b} vs ${p.a} (baseline), paired by ${p.by}: ${p.matched} matched, ${p.onlyA} only in ${p.a}, ${p.onlyB} only in ${p.b}${p.ambiguous ? `, ${p.ambiguous} repeated keys paired by order` : ''}`,
    );
    out.push(
      `flips: ${p.flips.rightToWrong.length} right → wrong, ${p.flips.wrongToRight.length} wrong → right, ${p.flips.formatRegressions.length} format regressions, ${p.flips.formatFixes.length} format fixes${p.flips.shortcutChanges.length ? `, ${p.flips.shortcutChanges.length} shortcut verdict changes` : ''}`,
    );
    const rows = [['reward', 'type', 'n', 'A', 'B', 'Δ', '95% CI', 'test', 'p', c.settings.adjust === 'bh' ? 'p (BH)' : 'p (Holm)', 'verdict']];
    for (const t of p.rewards) {
      rows.push([
        t.reward,
        t.problemType,
        String(t.n),
        fmt(t.meanA),
        fmt(t.meanB),
        (t.delta > 0 ? '+' : '') + fmt(t.delta),
        `[${fmt(t.ci95[0])}, ${fmt(t.ci95[1])}]`,
        t.test === 'mcnemar-exact' ? 'McNemar' : t.test === 'wilcoxon' ? 'Wilcoxon' : '—',
        pfmt(t.p),
        pfmt(t.pBH ?? t.pHolm),
        t.verdict === 'inconclusive' && t.mde !== undefined ? `inconclusive (MDE ${fmt(t.mde)})` : t.verdict,
      ]);
    }
    const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
    for (const r of rows) out.push('  ' + r.map((cell, i) => (i >= 2 && i <= 9 ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!))).join('  '));
  }
  if (c.steps) {
    out.push('');
    out.push('steps:');
    for (const s of c.steps) {
      const acc = s.rewards.accuracy;
      out.push(
        `  ${s.name}: n ${s.n}${acc ? `, accuracy ${fmt(acc.mean)} [${fmt(acc.ci95[0])}, ${fmt(acc.ci95[1])}]` : ''}, mean response ${Math.round(s.meanResponseChars)} chars${s.zeroVarianceGroupShare !== undefined ? `, zero-variance groups ${fmt(s.zeroVarianceGroupShare, 2)}` : ''}`,
      );
    }
  }
  return out.join('\n') + '\n';
}

export function register(program: Command): void {
  const cmd = program
    .command('compare')
    .description('compare checkpoints on the same items: flips, paired tests (exact McNemar, Wilcoxon), bootstrap CIs, Holm-adjusted verdicts; training steps as curves')
    .argument('[sources...]', 'two or more rollout files or folders (eval results, saved runs, step dumps); --label adds more')
    .option('--label <name=path>', 'name a source (repeatable); default: the records’ checkpoint field, else the file name', collect)
    .option('--baseline <name>', 'compare every other source with this one (default: the first)')
    .option('--all-pairs', 'compare every pair of sources')
    .addOption(new Option('--by <key>', 'pair items by id, by clip + range + question + options, or by prompt hash (default: the strongest every record has)').choices(['id', 'clip', 'prompt']))
    .option('--out <compare.json>', 'write the whole comparison here (atomically)')
    .addOption(new Option('--fail-if <verdict>', 'exit 4 when any comparison is significantly worse (for CI)').choices(['worse']))
    .addOption(new Option('--adjust <method>', 'multiple-comparison adjustment for the verdicts: holm (family-wise, default) or bh (false discovery rate)').choices(['holm', 'bh']))
    .option('--alpha <a>', 'significance level after adjustment (default 0.05)', num(1e-9, 0.5, false))
    .option('--resamples <n>', 'bootstrap resamples (default 10000)', num(1000, 1_000_000, true))
    .option('--seed <n>', 'bootstrap seed (default fixed, so runs repeat exactly)', num(0, 2 ** 32 - 1, true));
  addInputOptions(cmd);
  cmd.action(async (paths: string[], v: CompareCliOptions) => {
    const input = inputOptionsFrom(v);
    const labels = new Map<string, string>();
    for (const l of v.label ?? []) {
      const eq = l.indexOf('=');
      if (eq <= 0 || eq === l.length - 1) throw new UsageError(`--label expects NAME=PATH, got '${l}'`);
      labels.set(resolve(l.slice(eq + 1)), l.slice(0, eq));
    }
    const all = [...paths];
    for (const p of labels.keys()) if (!all.some((x) => resolve(x) === p)) all.push(p);
    if (all.length < 1) throw new UsageError('compare needs two or more sources (or one file holding several checkpoints or steps)');
    guardOutputs(all, [['--out', v.out]]);
    const specs: SourceSpec[] = all.map((p) => ({ path: p, ...(labels.has(resolve(p)) ? { label: labels.get(resolve(p))! } : {}) }));
    let comparison: Comparison;
    try {
      const loaded = await loadCompareSources(specs, { ...input, workspace: process.cwd() });
      for (const p of loaded.problems.slice(0, 20)) process.stderr.write(`${p}\n`);
      if (loaded.problems.length > 20) process.stderr.write(`… and ${loaded.problems.length - 20} more unreadable records\n`);
      const sources = loaded.sources;
      if (v.baseline !== undefined) {
        const i = sources.findIndex((s) => s.name === v.baseline);
        if (i < 0) throw new UsageError(`--baseline ${v.baseline}: no source of that name (have: ${sources.map((s) => s.name).join(', ')})`);
        sources.unshift(...sources.splice(i, 1));
        loaded.zeroVarianceShares.unshift(...loaded.zeroVarianceShares.splice(i, 1));
      }
      comparison = compareSources(sources, {
        ...(v.by ? { by: v.by } : {}),
        ...(v.adjust ? { adjust: v.adjust } : {}),
        ...(v.alpha !== undefined ? { alpha: v.alpha } : {}),
        ...(v.resamples !== undefined ? { resamples: v.resamples } : {}),
        ...(v.seed !== undefined ? { seed: v.seed } : {}),
        allPairs: !!v.allPairs,
        zeroVarianceShares: loaded.zeroVarianceShares,
      });
    } catch (e) {
      if (e instanceof CompareError) throw new InputError(e.message);
      throw e;
    }
    process.stderr.write(formatComparison(comparison));
    const json = JSON.stringify(comparison, null, 1) + '\n';
    if (v.out) {
      await writeFileAtomic(v.out, json);
      process.stdout.write(resolve(v.out) + '\n');
    } else {
      process.stdout.write(json);
    }
    if (v.failIf === 'worse') {
      const worse = comparison.pairs.flatMap((p) => p.rewards.filter((t) => t.verdict === 'worse').map((t) => `${p.b} vs ${p.a}: ${t.reward} (${t.problemType}) Δ ${fmt(t.delta)}`));
      if (worse.length) throw new WorseError(`significantly worse: ${worse.join('; ')}`);
    }
  });
}
