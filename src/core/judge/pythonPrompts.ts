// The judge prompts inside a user's own training code: Python f-strings and `.format` strings
// with placeholders, found by scanning the source's string literals. One becomes a template with
// its placeholders mapped to our variables, so the lab runs exactly the prompt training used and
// we ship nobody else's text.

import { TEMPLATE_VARIABLES } from './template';

export interface PromptCandidate {
  /** 1-based line where the literal starts. */
  line: number;
  /** The name it is assigned to (`JUDGE_PROMPT = f"""…"""`), when it is. */
  assignedTo?: string;
  kind: 'f-string' | 'format';
  /** The text with Python's escapes resolved; placeholders still as written. */
  text: string;
  /** The placeholders' expressions (f-string) or names (`.format`), in order of first use. */
  fields: string[];
  /** `.format(name=expr)` keywords: placeholder → expression. */
  formatArgs?: Record<string, string>;
}

interface Literal {
  start: number;
  end: number;
  line: number;
  prefix: string;
  body: string;
}

const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', "'": "'", '"': '"', '\n': '', a: '\x07', b: '\b', f: '\f', v: '\v', '0': '\0' };

function unescape(body: string): string {
  return body.replace(/\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|N\{[^}]*\}|.|\n)/g, (m, e: string) => {
    if (e[0] === 'x' || e[0] === 'u') return String.fromCharCode(parseInt(e.slice(1), 16));
    return ESCAPES[e] ?? m;
  });
}

/** Every string literal of the source, comments skipped. */
function literals(src: string): Literal[] {
  const out: Literal[] = [];
  let line = 1;
  for (let i = 0; i < src.length; i++) {
    const c = src[i]!;
    if (c === '\n') {
      line++;
      continue;
    }
    if (c === '#') {
      while (i < src.length && src[i] !== '\n') i++;
      i--;
      continue;
    }
    if (c !== '"' && c !== "'") continue;
    // The prefix letters just before the quote (f, r, b, u, rf, fr…), not part of a longer name.
    let p = i;
    while (p > 0 && /[rRbBuUfF]/.test(src[p - 1]!) && i - p < 2) p--;
    if (p > 0 && /[\w]/.test(src[p - 1]!)) p = i;
    const prefix = src.slice(p, i).toLowerCase();
    const triple = src.startsWith(c.repeat(3), i);
    const q = triple ? c.repeat(3) : c;
    const startLine = line;
    let j = i + q.length;
    const raw = prefix.includes('r');
    while (j < src.length && !src.startsWith(q, j)) {
      if (src[j] === '\\' && !raw) j++;
      else if (src[j] === '\\' && raw) j++;
      if (src[j] === '\n') line++;
      j++;
    }
    const body = src.slice(i + q.length, j);
    out.push({ start: p, end: j + q.length, line: startLine, prefix, body: raw ? body : unescape(body) });
    i = j + q.length - 1;
  }
  return out;
}

/** Placeholders of a format string: `{expr}` / `{expr!r:>10}`, `{{` and `}}` being literal braces. */
function placeholders(text: string): string[] {
  const out: string[] = [];
  const re = /\{\{|\}\}|\{([^{}]*)\}/g;
  for (const m of text.matchAll(re)) {
    if (m[1] === undefined) continue;
    const expr = m[1].split(/![rsa]|:(?![^[]*\])/)[0]!.trim();
    if (!out.includes(expr)) out.push(expr);
  }
  return out;
}

/** The prompts of a Python source: f-strings and `.format` strings with placeholders, adjacent literals joined. */
export function findPythonPrompts(src: string): PromptCandidate[] {
  const lits = literals(src);
  const out: PromptCandidate[] = [];
  for (let k = 0; k < lits.length; k++) {
    // Adjacent literals (implicit concatenation) are one string.
    const group = [lits[k]!];
    while (k + 1 < lits.length && /^[\s\\]*$/.test(src.slice(lits[k]!.end, lits[k + 1]!.start))) group.push(lits[++k]!);
    const isF = group.some((l) => l.prefix.includes('f'));
    const text = group.map((l) => (isF && !l.prefix.includes('f') ? l.body.replace(/\{/g, '{{').replace(/\}/g, '}}') : l.body)).join('');
    const after = src.slice(group[group.length - 1]!.end);
    const format = !isF && /^\s*\)?\s*\.format\s*\(/.test(after);
    if (!isF && !format) continue;
    const fields = placeholders(text);
    if (fields.length === 0) continue;
    const before = src.slice(0, group[0]!.start);
    const assigned = /([A-Za-z_][\w.]*)\s*=\s*\(?\s*$/.exec(before)?.[1];
    const cand: PromptCandidate = { line: group[0]!.line, kind: isF ? 'f-string' : 'format', text, fields };
    if (assigned) cand.assignedTo = assigned;
    if (format) {
      const args = /^\s*\)?\s*\.format\s*\(([^)]*)\)/.exec(after)?.[1] ?? '';
      const kw: Record<string, string> = {};
      for (const m of args.matchAll(/([A-Za-z_]\w*)\s*=\s*([^,]+)/g)) kw[m[1]!] = m[2]!.trim();
      if (Object.keys(kw).length) cand.formatArgs = kw;
    }
    out.push(cand);
  }
  return out;
}

/** Our variable for a placeholder, guessed from its name (the last identifier or key in it). */
export function guessVariable(field: string): string | undefined {
  const last = (/["']([^"']+)["']\s*\]\s*$/.exec(field)?.[1] ?? /([A-Za-z_]\w*)\s*(\(\))?\s*$/.exec(field)?.[1] ?? field).toLowerCase();
  const ref = /ref|gt\b|gt_|ground|sol|gold|label|expected/.test(last);
  if (last in TEMPLATE_VARIABLES) return last;
  if (ref && /context|ctx|desc|caption/.test(last)) return 'reference_context';
  if (ref && /answer|ans\b|ans_/.test(last)) return 'reference_answer';
  if (/context|ctx|caption|description|desc\b/.test(last)) return 'context';
  if (/think|reason|rationale|cot\b|thought/.test(last)) return 'think';
  if (/question|problem|query/.test(last)) return 'question';
  if (/option|choice/.test(last)) return 'options';
  if (/pred|answer|ans\b|response|output/.test(last)) return 'answer';
  return undefined;
}

export interface ImportedTemplate {
  /** The template file's text (front matter and body). */
  text: string;
  mapping: Record<string, string>;
  unmapped: string[];
}

/**
 * A template from a prompt: each placeholder replaced by our variable (from `map`, the
 * `.format` keyword, or the guess). Scored like HumanOmniV2's trainer: a number, divided by 5.
 */
export function templateFromPrompt(c: PromptCandidate, opts: { name: string; reward: string; map?: Record<string, string>; allowed?: number[]; source: string }): ImportedTemplate {
  const mapping: Record<string, string> = {};
  const unmapped: string[] = [];
  for (const f of c.fields) {
    const v = opts.map?.[f] ?? guessVariable(f) ?? (c.formatArgs?.[f] !== undefined ? guessVariable(c.formatArgs[f]!) : undefined);
    if (v && v in TEMPLATE_VARIABLES) mapping[f] = v;
    else unmapped.push(f);
  }
  let body = c.text;
  for (const [f, v] of Object.entries(mapping))
    body = body
      .split(`{${f}}`)
      .join(`{${v}}`)
      .replace(new RegExp(`\\{${f.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(![rsa])?(:[^{}]*)?\\}`, 'g'), `{${v}}`);
  const variables = [...new Set(Object.values(mapping))];
  const allowed = opts.allowed ?? (opts.reward === 'context' ? [0, 1, 2, 4, 5] : [0, 1, 2, 3, 4, 5]);
  const text = [
    '---',
    `name: ${opts.name}`,
    `description: Imported from ${opts.source}, line ${c.line}${c.assignedTo ? ` (${c.assignedTo})` : ''}: the prompt training used.`,
    `reward: ${opts.reward}`,
    'scale: 0-5',
    'divide: 5',
    `allowed: [${allowed.join(', ')}]`,
    'parse: number',
    `variables: [${variables.join(', ')}]`,
    '---',
    body.endsWith('\n') ? body : body + '\n',
  ].join('\n');
  return { text, mapping, unmapped };
}
