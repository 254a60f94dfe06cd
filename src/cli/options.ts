// Options shared by commands that read rollout files (score, report, …): --format, repeatable
// --map field=path and --problem-type, with help text listing the formats and mapping fields.

import { Option, type Command } from 'commander';
import { FORMATS, FORMAT_NAMES, MAPPING_FIELDS, MAPPING_FIELD_NAMES, type FormatName } from '../core/readers/index';
import { UsageError } from './errors';

export interface InputOptionValues {
  format?: string;
  map?: string[];
  problemType?: string;
}

export interface InputOptions {
  format?: FormatName;
  map?: Record<string, string>;
  defaultProblemType?: string;
}

const collect = (value: string, previous: string[] | undefined) => [...(previous ?? []), value];

/** Adds --format and --map, and the help listing formats and fields. */
export function addInputOptions(cmd: Command): Command {
  cmd.addOption(new Option('--format <name>', 'input format (default: detected from the path and first records)').choices(FORMAT_NAMES));
  cmd.option('--map <field=path>', 'take a field from this dotted path of each row (repeatable), e.g. --map completion=messages.-1.content', collect);
  cmd.option('--problem-type <type>', "problem type for rows that have none (verl logs none), e.g. 'multiple choice'");
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
export function requireUrl(flag: string, value: string): void {
  try {
    new URL(value);
  } catch {
    throw new UsageError(`${flag} '${value}' is not a URL`);
  }
}

/** The key in the environment variable a `--…-api-key-env` flag names; unset is a usage error. */
export function apiKeyFromEnvFlag(flag: string, name: string | undefined): string | undefined {
  if (!name) return undefined;
  const key = process.env[name];
  if (!key) throw new UsageError(`${flag} ${name}: that environment variable is not set`);
  return key;
}
