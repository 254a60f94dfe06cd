// Options shared by commands that read rollout files (score, report, …): --format, repeatable
// --map field=path and --problem-type, with help text listing the formats and mapping fields.

import { InvalidArgumentError, Option, type Command } from 'commander';
import { ADVANTAGE_RULES, type AdvantageRule } from '../core/grpo';
import { FORMATS, FORMAT_NAMES, MAPPING_FIELDS, MAPPING_FIELD_NAMES, type FormatName } from '../core/readers/index';
import { UsageError } from './errors';
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { inputAt, protectInput } from '../core/protectedFiles';

export interface InputOptionValues {
  format?: string;
  map?: string[];
  problemType?: string;
  groupSize?: number;
  advantage?: string;
  total?: string;
  answerRule?: string;
}

export interface InputOptions {
  format?: FormatName;
  map?: Record<string, string>;
  defaultProblemType?: string;
  groupSize?: number;
  advantage?: AdvantageRule;
  total?: 'recorded' | 'recomputed';
  answerRule?: 'trainer' | 'whole-output';
}

const collect = (value: string, previous: string[] | undefined) => [...(previous ?? []), value];

/** Adds --format and --map, and the help listing formats and fields. */
export function addInputOptions(cmd: Command): Command {
  cmd.addOption(new Option('--format <name>', 'input format (default: detected from the path and first records)').choices(FORMAT_NAMES));
  cmd.option('--map <field=path>', 'take a field from this dotted path of each row (repeatable), e.g. --map completion=messages.-1.content', collect);
  cmd.option('--problem-type <type>', "problem type for rows that have none (verl logs none), e.g. 'multiple choice'");
  cmd.option(
    '--group-size <n>',
    "GRPO groups are consecutive blocks of n records (verl rollout.n, TRL num_generations) where the file has no group id; default: the file's ids, else detected from the layout, else identical prompt text",
    (v) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('a whole number of at least 1');
      return n;
    },
  );
  cmd.addOption(
    new Option(
      '--advantage <rule>',
      "advantage formula: humanomni (total − mean), verl ((score − mean)/(std + 1e-6); a group of one: mean 0, std 1), trl ((r − mean)/(std + 1e-4)); default: the format's trainer",
    ).choices([...ADVANTAGE_RULES]),
  );
  cmd.addOption(
    new Option(
      '--answer-rule <rule>',
      "accuracy of a response without <answer>: 'trainer' (empty answer, as the training reward) or 'whole-output' (Video-R1's eval script scores the whole response)",
    ).choices(['trainer', 'whole-output']),
  );
  cmd.addOption(
    new Option(
      '--total <which>',
      "what groups are built from: 'recorded' (the trainer's total when the file records one: verl score, TRL reward columns, HumanOmniV2 reward; default) or 'recomputed' (format + accuracy)",
    ).choices(['recorded', 'recomputed']),
  );
  cmd.addHelpText('after', () => '\n' + formatsHelp() + '\n' + mappingHelp());
  return cmd;
}

/** Validates the raw option values; throws UsageError naming what is wrong. */
export function inputOptionsFrom(values: InputOptionValues): InputOptions {
  const out: InputOptions = {};
  if (values.problemType !== undefined) {
    if (values.problemType.trim() === '') throw new UsageError('--problem-type needs a value');
    out.defaultProblemType = values.problemType;
  }
  if (values.groupSize !== undefined) out.groupSize = values.groupSize;
  if (values.advantage !== undefined) out.advantage = values.advantage as AdvantageRule;
  if (values.total !== undefined) out.total = values.total as 'recorded' | 'recomputed';
  if (values.answerRule !== undefined) out.answerRule = values.answerRule as 'trainer' | 'whole-output';
  if (values.format !== undefined) {
    if (!(FORMAT_NAMES as string[]).includes(values.format)) throw new UsageError(`unknown format '${values.format}' (known: ${FORMAT_NAMES.join(', ')})`);
    out.format = values.format as FormatName;
  }
  if (values.map?.length) {
    const map: Record<string, string> = {};
    for (const m of values.map) {
      const eq = m.indexOf('=');
      if (eq <= 0 || eq === m.length - 1) throw new UsageError(`--map expects field=path, got '${m}'`);
      const field = m.slice(0, eq).trim();
      const path = m.slice(eq + 1).trim();
      if (!(field in MAPPING_FIELDS)) throw new UsageError(`--map: unknown field '${field}' (known: ${MAPPING_FIELD_NAMES.join(', ')})`);
      map[field] = path;
    }
    out.map = map;
  }
  return out;
}

export function formatsHelp(): string {
  const w = Math.max(...FORMAT_NAMES.map((n) => n.length));
  return ['Formats (--format):', ...FORMAT_NAMES.map((n) => `  ${n.padEnd(w)}  ${FORMATS[n].description}\n  ${''.padEnd(w)}  files: ${FORMATS[n].files}`)].join('\n');
}

export function mappingHelp(): string {
  const w = Math.max(...MAPPING_FIELD_NAMES.map((n) => n.length));
  return [
    'Mapping fields (--map field=path; paths are dotted, numbers index lists, -1 is the last item):',
    ...MAPPING_FIELD_NAMES.map((n) => `  ${n.padEnd(w)}  ${MAPPING_FIELDS[n].description}; tried: ${MAPPING_FIELDS[n].candidates.join(', ')}`),
  ].join('\n');
}

/** A flag's value that must be a URL (a server's base URL). */
export function requireUrl(flag: string, value: string | undefined, opts: { several?: boolean } = {}): void {
  if (value === undefined) throw new UsageError(`${flag} is required`);
  // Judge endpoints may list several replicas, comma-separated; each must be a URL.
  for (const u of opts.several ? value.split(',').map((x) => x.trim()) : [value]) {
    try {
      new URL(u);
    } catch {
      throw new UsageError(`${flag} '${u}' is not a URL`);
    }
  }
}

/** The key in the environment variable a `--…-api-key-env` flag names; unset is a usage error. */
export function apiKeyFromEnvFlag(flag: string, name: string | undefined): string | undefined {
  if (!name) return undefined;
  const key = process.env[name];
  if (!key) throw new UsageError(`${flag} ${name}: that environment variable is not set`);
  return key;
}

/**
 * Refuses, before any work, outputs that would replace something the command reads (by real path
 * and by device + inode, so symlinks, symlinked folders and hard links are caught) or that have no
 * folder to go to. The atomic writer checks again at commit time.
 */
export function guardOutputs(inputs: (string | undefined)[], outputs: [flag: string, path: string | undefined][]): void {
  for (const input of inputs) if (input !== undefined) protectInput(input);
  for (const [flag, target] of outputs) {
    if (target === undefined) continue;
    const input = inputAt(target);
    if (input !== undefined) throw new UsageError(`${flag} ${target} would overwrite ${input}, which this command reads: rollout files are never overwritten`);
    if (!existsSync(dirname(resolve(target)))) throw new UsageError(`cannot write ${target}: directory ${dirname(resolve(target))} does not exist`);
  }
}
