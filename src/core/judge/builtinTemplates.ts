// The built-in judge templates, in our own words: src/core/judge/templates/*.md is the one source, which users
// copy from, built into the bundles as text (esbuild's text loader; scripts/register-text.cjs under
// tsx), so the hash recorded with a built-in score is the hash of those files' bytes.

import { parseTemplate, type JudgeTemplate } from './template';
import type { JudgedReward } from './types';
import accuracyMd from './templates/accuracy.md';
import contextMd from './templates/context.md';
import logic_criteriaMd from './templates/logic-criteria.md';
import logicMd from './templates/logic.md';

export const BUILTIN_TEMPLATE_TEXT: Record<string, string> = {
  accuracy: accuracyMd,
  context: contextMd,
  'logic-criteria': logic_criteriaMd,
  logic: logicMd,
};

/** Which built-in template judges which reward by default. */
export const DEFAULT_TEMPLATE_FOR: Record<JudgedReward, string> = {
  context: 'context',
  logic: 'logic',
  accuracy: 'accuracy',
};

let parsed: Record<string, JudgeTemplate> | undefined;

/** The built-ins, parsed (file `builtin:<name>`; hash = sha256 of the same bytes as templates/<name>.md). */
export function builtinTemplates(): Record<string, JudgeTemplate> {
  if (!parsed) {
    parsed = {};
    for (const [name, text] of Object.entries(BUILTIN_TEMPLATE_TEXT)) parsed[name] = parseTemplate(text, `builtin:${name}`);
  }
  return parsed;
}
