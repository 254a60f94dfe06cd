// Judge templates: Markdown files with a small front-matter header, e.g.
//
//   ---
//   name: context
//   reward: context
//   scale: 0-5
//   divide: 5
//   allowed: [0, 1, 2, 4, 5]
//   parse: number
//   variables: [reference_context, context]
//   ---
//   …prompt body with {reference_context} and {context}…
//
// Header lines are `key: value`; lists are `[a, b]`; `#` starts a comment line. In the body,
// `{name}` is a variable (it must be a known variable AND declared in `variables`, or loading
// fails with the file and line); `{{` and `}}` write literal braces. Any other brace (JSON
// examples such as `{"met": true}`) is literal text. The content hash (sha256 of the file's
// bytes) is recorded with every score.

import { createHash } from 'node:crypto';
import type { JudgedReward } from './types';
import { JUDGED_REWARDS } from './types';

export const TEMPLATE_VARIABLES: Record<string, string> = {
  reference_context: "the reference solution's <context> section",
  context: "the completion's <context> section",
  think: "the completion's <think> section",
  answer: "the completion's <answer> section (as the parser reads it)",
  question: 'the question (problem text)',
  options: 'the answer options, one per line (empty when the question has none)',
  reference_answer: "the reference answer (the trainer's extraction from the solution)",
  completion_answer: "the completion's answer (the trainer's extraction)",
};

export type ParseMode = 'number' | 'last-number' | 'json';
const PARSE_MODES: readonly ParseMode[] = ['number', 'last-number', 'json'];

export interface JudgeTemplate {
  name: string;
  reward: JudgedReward;
  /** Lowest and highest score on the judge's own scale. */
  scale: { min: number; max: number };
  /** value = score ÷ divide. */
  divide: number;
  /** When set, a score outside this set is a parse-failure (e.g. context has no 3). */
  allowed?: number[];
  parse: ParseMode;
  /** json with criteria: each named key holds true/false (or {met, reason}); score = count met. */
  criteria?: string[];
  variables: string[];
  body: string;
  /** 1-based line of the body's first line in the file. */
  bodyLine: number;
  /** Where it came from: a path, or `builtin:<name>`. */
  file: string;
  /** sha256 hex of the file's bytes. */
  hash: string;
  /** Declared variables the body never uses (allowed, reported). */
  warnings: string[];
}

export class TemplateError extends Error {
  constructor(
    readonly reason: string,
    readonly file: string,
    readonly line: number,
  ) {
    super(`${file}:${line}: ${reason}`);
    this.name = 'TemplateError';
  }
}

export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

function parseValue(raw: string): string | string[] {
  const v = raw.trim();
  if (v.startsWith('[') && v.endsWith(']')) {
    const inner = v.slice(1, -1).trim();
    return inner === '' ? [] : inner.split(',').map((s) => s.trim().replace(/^["']|["']$/g, ''));
  }
  return v.replace(/^["'](.*)["']$/, '$1');
}

const VAR_RE = /\{\{|\}\}|\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

/** Variables referenced in a body, with their 0-based line within the body. */
function bodyVariables(body: string): { name: string; line: number }[] {
  const out: { name: string; line: number }[] = [];
  const lines = body.split('\n');
  lines.forEach((l, i) => {
    for (const m of l.matchAll(VAR_RE)) if (m[1] !== undefined) out.push({ name: m[1], line: i });
  });
  return out;
}

/** Parses and validates a template; throws TemplateError (file:line: reason). */
export function parseTemplate(text: string | Uint8Array, file: string): JudgeTemplate {
  const bytes = typeof text === 'string' ? Buffer.from(text, 'utf8') : text;
  const hash = sha256Hex(bytes);
  const src = (typeof text === 'string' ? text : Buffer.from(text).toString('utf8')).replace(/^\uFEFF/, '');
  const lines = src.split(/\r?\n/);
  if (lines[0]?.trim() !== '---') throw new TemplateError("expected a front-matter header starting with '---' on the first line", file, 1);
  const header: Record<string, { value: string | string[]; line: number }> = {};
  let end = -1;
  for (let i = 1; i < lines.length; i++) {
    const l = lines[i]!;
    if (l.trim() === '---') {
      end = i;
      break;
    }
    if (l.trim() === '' || l.trim().startsWith('#')) continue;
    const m = /^([A-Za-z_][\w-]*)\s*:(.*)$/.exec(l);
    if (!m) throw new TemplateError(`expected 'key: value' in the header, got '${l.trim()}'`, file, i + 1);
    if (header[m[1]!]) throw new TemplateError(`'${m[1]}' is set twice`, file, i + 1);
    header[m[1]!] = { value: parseValue(m[2]!), line: i + 1 };
  }
  if (end < 0) throw new TemplateError("the header is never closed with '---'", file, lines.length);
  const known = new Set(['name', 'reward', 'scale', 'divide', 'allowed', 'parse', 'criteria', 'variables', 'description']);
  for (const [k, v] of Object.entries(header)) if (!known.has(k)) throw new TemplateError(`unknown header key '${k}' (known: ${[...known].join(', ')})`, file, v.line);
  const need = (k: string) => {
    const h = header[k];
    if (!h) throw new TemplateError(`the header needs '${k}'`, file, end + 1);
    return h;
  };
  const str = (k: string) => {
    const h = need(k);
    if (typeof h.value !== 'string' || h.value === '') throw new TemplateError(`'${k}' must be a single value`, file, h.line);
    return h.value;
  };
  const list = (k: string) => {
    const h = header[k];
    if (!h) return undefined;
    if (!Array.isArray(h.value)) throw new TemplateError(`'${k}' must be a list like [a, b]`, file, h.line);
    return h.value;
  };
  const num = (s: string, k: string, line: number) => {
    const n = Number(s);
    if (s.trim() === '' || !Number.isFinite(n)) throw new TemplateError(`'${k}': '${s}' is not a number`, file, line);
    return n;
  };

  const reward = str('reward');
  if (!(JUDGED_REWARDS as readonly string[]).includes(reward)) throw new TemplateError(`reward must be one of ${JUDGED_REWARDS.join(', ')}, got '${reward}'`, file, need('reward').line);
  const scaleText = str('scale');
  const sm = /^\s*(-?\d+(?:\.\d+)?)\s*(?:-|–|\.\.)\s*(-?\d+(?:\.\d+)?)\s*$/.exec(scaleText);
  if (!sm) throw new TemplateError(`scale must look like 0-5, got '${scaleText}'`, file, need('scale').line);
  const scale = { min: Number(sm[1]), max: Number(sm[2]) };
  if (scale.min >= scale.max) throw new TemplateError(`scale ${scaleText}: the low end must be below the high end`, file, need('scale').line);
  const divide = header.divide ? num(str('divide'), 'divide', header.divide.line) : 1;
  if (divide <= 0) throw new TemplateError('divide must be positive', file, header.divide!.line);
  const allowedRaw = list('allowed');
  const allowed = allowedRaw?.map((s) => num(s, 'allowed', header.allowed!.line));
  for (const a of allowed ?? []) if (a < scale.min || a > scale.max) throw new TemplateError(`allowed value ${a} is outside the scale ${scaleText}`, file, header.allowed!.line);
  const parse = str('parse') as ParseMode;
  if (!PARSE_MODES.includes(parse)) throw new TemplateError(`parse must be one of ${PARSE_MODES.join(', ')}, got '${parse}'`, file, need('parse').line);
  const criteria = list('criteria');
  if (criteria && parse !== 'json') throw new TemplateError("'criteria' needs parse: json", file, header.criteria!.line);
  if (criteria && criteria.length !== scale.max - scale.min) {
    throw new TemplateError(`${criteria.length} criteria on a ${scaleText} scale: one point per criterion needs ${scale.max - scale.min}`, file, header.criteria!.line);
  }
  const variables = list('variables');
  if (!variables) throw new TemplateError("the header needs 'variables' (a list, e.g. [context, think])", file, end + 1);
  for (const v of variables) {
    if (!(v in TEMPLATE_VARIABLES)) throw new TemplateError(`unknown variable '${v}' in 'variables' (known: ${Object.keys(TEMPLATE_VARIABLES).join(', ')})`, file, header.variables!.line);
  }
  const body = lines.slice(end + 1).join('\n');
  const bodyLine = end + 2;
  const used = new Set<string>();
  for (const { name, line } of bodyVariables(body)) {
    if (!(name in TEMPLATE_VARIABLES))
      throw new TemplateError(`unknown variable {${name}} (known: ${Object.keys(TEMPLATE_VARIABLES).join(', ')}; write {{${name}}} for literal braces)`, file, bodyLine + line);
    if (!variables.includes(name)) throw new TemplateError(`{${name}} is used but not declared in 'variables'`, file, bodyLine + line);
    used.add(name);
  }
  if (body.trim() === '') throw new TemplateError('the template has no prompt text after the header', file, bodyLine);
  const warnings = variables.filter((v) => !used.has(v)).map((v) => `'${v}' is declared but the prompt never uses it`);
  const name = header.name ? str('name') : file.replace(/^.*[\\/]/, '').replace(/\.md$/, '');
  const t: JudgeTemplate = { name, reward: reward as JudgedReward, scale, divide, parse, variables, body, bodyLine, file, hash, warnings };
  if (allowed) t.allowed = allowed;
  if (criteria) t.criteria = criteria;
  return t;
}

/** Fills in the variables. Throws when a declared variable has no value (never renders ''). */
export function renderTemplate(t: JudgeTemplate, vars: Partial<Record<string, string>>): string {
  return t.body.replace(VAR_RE, (m, name: string | undefined) => {
    if (name === undefined) return m === '{{' ? '{' : '}';
    const v = vars[name];
    if (v === undefined) throw new Error(`${t.file}: no value for {${name}}`);
    return v;
  });
}

/** Human-readable scale, e.g. '0/1/2/4/5 ÷ 5' or '0–5 ÷ 5'. */
export function describeScale(t: JudgeTemplate): string {
  const s = t.allowed ? t.allowed.join('/') : `${t.scale.min}–${t.scale.max}`;
  return t.divide === 1 ? s : `${s} ÷ ${t.divide}`;
}
