// `omnitrace score`: rule rewards, parsed sections and GRPO groups for every rollout of a file,
// as JSON lines in input order, with a summary on stderr.

import { InvalidArgumentError, Option, type Command } from 'commander';
import { availableParallelism } from 'node:os';
import { addInputOptions, guardOutputs, inputOptionsFrom, type InputOptionValues } from '../options';
import { InputError } from '../errors';
import { scoreToJsonl } from '../../services/scoreJsonl';
import { writeFileAtomic } from '../../core/atomicFile';
import { formatScoreSummary } from '../summaryText';
import type { RegressionVariant } from '../../core/rewards/accuracy';

interface ScoreCliOptions extends InputOptionValues {
  out?: string;
  scaleRewards?: boolean;
  regression?: RegressionVariant;
  jsonSummary?: string;
  jobs?: number;
  text?: boolean;
}

function parseJobs(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 64) throw new InvalidArgumentError('expected a whole number from 0 to 64');
  return n;
}

// Every core on a machine with more than two (issue 17): the main thread reads and writes, one
// worker per other core scores. On 2 shared cores workers gained nothing over one thread
// (bench/open.ts), so they are opt-in there. Each worker adds about 45 MB (100k rollouts: 159 MB
// with none, 218 with 2, 316 with 4, 402 with 6), so at most 5 keep score under its 400 MB target.
const MAX_DEFAULT_JOBS = 5;
function defaultJobs(): number {
  const cores = availableParallelism();
  return cores > 2 ? Math.min(MAX_DEFAULT_JOBS, cores - 1) : 0;
}

export function register(program: Command): void {
  const cmd = program
    .command('score')
    .description('score every rollout (format, accuracy, GRPO groups) and write one JSON object per rollout, in input order')
    .argument('<file-or-dir>', 'rollout file or directory (see Formats below)')
    .option('--out <file.jsonl>', 'write JSON lines here (atomically) instead of stdout')
    .option('--scale-rewards', 'divide advantages by the group standard deviation (TRL scale_rewards)')
    .addOption(new Option('--regression <variant>', "regression accuracy: 'trainer' (training reward) or 'eval' (evaluation script)").choices(['trainer', 'eval']))
    .option('--json-summary <file>', 'also write the summary as JSON to this file')
    .option('--text', "write each section's text beside its offsets (default: offsets only — start/end into the completion, found in the input at source.byteOffset)")
    .option('--jobs <n>', 'worker threads for JSON-lines inputs (0 = score on the main thread; default: 0 on 1–2 cores, else cores − 1, at most 5)', parseJobs);
  addInputOptions(cmd);
  cmd.action(async (input: string, values: ScoreCliOptions) => {
    const inputOpts = inputOptionsFrom(values);
    guardOutputs(
      [input],
      [
        ['--out', values.out],
        ['--json-summary', values.jsonSummary],
      ],
    );
    const run = await scoreToJsonl(input, {
      ...inputOpts,
      workers: { script: __filename, count: values.jobs ?? defaultJobs() },
      out: values.out,
      scaleRewards: values.scaleRewards ?? false,
      regressionVariant: values.regression,
      texts: values.text ?? false,
    });
    process.stderr.write(formatScoreSummary(run.summary));
    if (values.jsonSummary) await writeFileAtomic(values.jsonSummary, JSON.stringify(run.summary, null, 2) + '\n');
    if (run.summary.read === 0 && run.summary.skipped > 0) {
      throw new InputError(`no rollout could be read from ${input}`);
    }
  });
}
