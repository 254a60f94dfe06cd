// `omnitrace judge-lab <file> --reward R --variants a,b[,c]`: judge prompt variants on the same
// frozen rollouts, against each other and against human labels. A cost preview comes first; the
// figures go to stderr and, whole, to --out (lab.json).

import type { Command } from 'commander';
import { resolve } from 'node:path';
import { addInputOptions, guardOutputs, inputOptionsFrom, type InputOptionValues } from '../options';
import { InputError, UsageError } from '../errors';
import { writeFileAtomic } from '../../core/atomicFile';
import { JUDGED_REWARDS, type JudgedReward } from '../../core/judge/types';
import { judgeApiKeyFromEnv } from '../../models/openaiChat';
import { LabError, runJudgeLab, type LabRun } from '../../services/judgeLab';
import { addJudgeEndpointOptions, judgeProfileFrom, type JudgeEndpointValues } from '../judgeOptions';
import { requireUrl } from '../options';

interface LabCliOptions extends InputOptionValues, JudgeEndpointValues {
  reward: string;
  variants: string;
  labels?: string[];
  set?: string;
  out?: string;
  preview?: boolean;
}

const collect = (value: string, previous: string[] | undefined) => [...(previous ?? []), value];
const f3 = (x: number | null | undefined) => (x === null || x === undefined || !Number.isFinite(x) ? '—' : x.toFixed(3));

export function formatLab(run: LabRun): string {
  const lab = run.lab;
  const out: string[] = [`reward: ${lab.reward} (scale ${lab.scale.join(', ')}), ${lab.items.length} items, ${lab.labelled} labelled`];
  for (const v of lab.variants) {
    const st = Object.entries(v.statuses)
      .map(([k, n]) => `${k} ${n}`)
      .join(', ');
    out.push(
      `variant ${v.name} (${v.sha256.slice(0, 12)}): n ${v.n}, mean ${f3(v.mean)}, ${st}${v.noise ? `, noise: spread ${f3(v.noise.meanSpread)}, ${(v.noise.changedShare * 100).toFixed(0)}% of items change between repeats` : ''}`,
    );
    for (const l of v.vsLabels)
      out.push(
        `  vs ${l.labeller}: n ${l.n}, exact ${f3(l.exact)}, qwk ${f3(l.qwk)}${l.qwkCi95 ? ` [${f3(l.qwkCi95[0])}, ${f3(l.qwkCi95[1])}]` : ''}, kappa ${f3(l.kappa)}, spearman ${f3(l.spearman)}, kendall ${f3(l.kendall)}${l.established ? '' : ` (not established: fewer than 50 labels)`}`,
      );
    const cal = lab.calibration.find((c) => c.variant === v.name);
    if (cal?.stale) out.push(`  calibration stale: ${cal.why}`);
  }
  for (const p of lab.pairs) {
    out.push(
      `${p.b} vs ${p.a}: n ${p.n}, spearman ${f3(p.spearman)}, kendall ${f3(p.kendall)}, qwk ${f3(p.qwk)}, mean diff ${f3(p.meanDiff)}, ${p.changed.length} items changed, ${p.flipsAcrossThreshold.count} cross ${p.flipsAcrossThreshold.threshold}; training: ${p.trainingImpact.reordered} of ${p.trainingImpact.groups} groups reordered, mean |Δ span advantage| ${f3(p.trainingImpact.meanAbsAdvantageChange)}`,
    );
  }
  for (const l of lab.labellers) out.push(`labellers ${l.a} vs ${l.b}: n ${l.n}, exact ${f3(l.exact)}, qwk ${f3(l.qwk)}, kappa ${f3(l.kappa)}`);
  if (lab.labellerAlpha !== null) out.push(`Krippendorff's alpha (ordinal), all labellers: ${f3(lab.labellerAlpha)}`);
  if (lab.unknownLabels.length)
    out.push(`${lab.unknownLabels.length} labels for items not in this lab were skipped (first: ${lab.unknownLabels[0]!.labeller} ${lab.unknownLabels[0]!.id ?? lab.unknownLabels[0]!.key})`);
  if (lab.queue.length)
    out.push(
      `label next: ${lab.queue
        .slice(0, 5)
        .map((q) => `${q.key.slice(0, 10)} (${q.why})`)
        .join('; ')}`,
    );
  return out.join('\n') + '\n';
}

export function register(program: Command): void {
  const cmd = program
    .command('judge-lab')
    .description('tune judge prompts: judge variants on the same frozen rollouts and compare them with each other and with human labels')
    .argument('<file>', 'rollout file or folder (see Formats below)')
    .requiredOption('--reward <reward>', `the judged reward (${JUDGED_REWARDS.join(', ')})`)
    .requiredOption('--variants <a,b[,c]>', 'template names (built-in, .omnitrace/judges/<name>.md, or <name>@<git rev>), comma-separated')
    .option('--labels <file.jsonl>', 'a labels file (repeatable; default: every .omnitrace/labels/*.jsonl)', collect)
    .option('--set <file.json>', 'judge only the items of this frozen set (.omnitrace/judge-sets/<name>.json)')
    .option('--out <lab.json>', 'write the whole lab here (atomically)')
    .option('--preview', 'print the cost preview (calls, cached calls, tokens) and stop');
  addJudgeEndpointOptions(cmd);
  addInputOptions(cmd);
  cmd.action(async (file: string, v: LabCliOptions) => {
    const input = inputOptionsFrom(v);
    if (!(JUDGED_REWARDS as readonly string[]).includes(v.reward)) throw new UsageError(`--reward ${v.reward}: one of ${JUDGED_REWARDS.join(', ')}`);
    const variants = v.variants
      .split(',')
      .map((x) => x.trim())
      .filter(Boolean);
    if (variants.length === 0) throw new UsageError('--variants needs at least one template name');
    if (new Set(variants).size !== variants.length) throw new UsageError('--variants names a template twice');
    requireUrl('--judge-base-url', v.judgeBaseUrl, { several: true });
    guardOutputs([file, v.set, ...(v.labels ?? [])], [['--out', v.out]]);
    const profile = judgeProfileFrom(v);
    const key = judgeApiKeyFromEnv(process.env, v.judgeApiKeyEnv);
    let run: LabRun;
    try {
      run = await runJudgeLab(file, {
        ...input,
        workspace: process.cwd(),
        reward: v.reward as JudgedReward,
        variants,
        profile,
        ...(key.key ? { apiKey: key.key } : {}),
        ...(v.templates ? { templatesDir: resolve(v.templates) } : {}),
        ...(v.labels ? { labelFiles: v.labels } : {}),
        ...(v.set ? { setFile: v.set } : {}),
        repeats: v.repeats ?? 1,
        cacheDir: v.cache === false ? false : v.cacheDir,
        previewOnly: !!v.preview,
        onPreview: (p) =>
          process.stderr.write(`cost preview, ${p.variant}: ${p.calls} calls, ${p.cached} from the cache, about ${p.promptTokens} prompt and at most ${p.replyTokens} reply tokens to send\n`),
      });
    } catch (e) {
      if (e instanceof LabError) throw new InputError(e.message);
      throw e;
    }
    for (const p of run.labelProblems) process.stderr.write(`${p.file}:${p.line}: ${p.message} (label skipped)\n`);
    if (v.preview) return;
    process.stderr.write(formatLab(run));
    const json = JSON.stringify(run.lab, null, 1) + '\n';
    if (v.out) {
      await writeFileAtomic(v.out, json);
      process.stdout.write(resolve(v.out) + '\n');
    } else process.stdout.write(json);
  });
}
