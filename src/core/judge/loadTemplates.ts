// Loading judge templates: the built-ins, overridden by the user's files (<dir>/<name>.md, e.g.
// .omnitrace/judges/context.md). Every .md file in the folder is parsed, so a broken one is
// reported (file:line) even when it is not used.

import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { builtinTemplates } from './builtinTemplates';
import { parseTemplate, TemplateError, type JudgeTemplate } from './template';
import type { JudgedReward } from './types';

/** Built-ins plus every template in `dir` (a file named like a built-in replaces it). */
export async function loadTemplateLibrary(dir?: string): Promise<Record<string, JudgeTemplate>> {
  const lib: Record<string, JudgeTemplate> = { ...builtinTemplates() };
  if (!dir) return lib;
  const names = (await readdir(dir)).filter((n) => n.endsWith('.md')).sort();
  for (const n of names) {
    const file = join(dir, n);
    lib[n.slice(0, -3)] = parseTemplate(await readFile(file), file);
  }
  return lib;
}

/**
 * The template for each reward: `choice[reward]` names a template in the library (default: the
 * reward's own name; `logic-criteria` for the per-criterion logic judge). Throws TemplateError
 * when a template scores another reward than the one it is used for.
 */
export function templatesForRewards(lib: Record<string, JudgeTemplate>, rewards: readonly JudgedReward[], choice: Partial<Record<JudgedReward, string>> = {}): Record<JudgedReward, JudgeTemplate> {
  const out = {} as Record<JudgedReward, JudgeTemplate>;
  for (const r of rewards) {
    const name = choice[r] ?? r;
    const t = lib[name];
    if (!t) throw new Error(`no judge template named '${name}' for the ${r} reward (have: ${Object.keys(lib).sort().join(', ')})`);
    if (t.reward !== r) throw new TemplateError(`template '${name}' scores '${t.reward}', but it is used for the '${r}' reward`, t.file, 1);
    out[r] = t;
  }
  return out;
}
