// Small helpers for pulling typed values out of loosely shaped rows. Datasets disagree on
// shapes (a completion may be a string or a chat-message list; options a list or a dict), so
// these normalise without guessing beyond what the value itself says.

/** Dotted path lookup; numeric parts index arrays, negative ones from the end (`messages.-1.content`). */
export function getPath(row: unknown, path: string): unknown {
  return getPathParts(row, path.split('.'));
}

export function getPathParts(row: unknown, parts: readonly string[]): unknown {
  let cur: unknown = row;
  for (const part of parts) {
    if (cur === null || cur === undefined) return undefined;
    if (Array.isArray(cur)) {
      if (!/^-?\d+$/.test(part)) return undefined;
      const i = Number(part);
      cur = cur[i < 0 ? cur.length + i : i];
    } else if (typeof cur === 'object') {
      cur = Object.prototype.hasOwnProperty.call(cur, part) ? (cur as Record<string, unknown>)[part] : undefined;
    } else {
      return undefined;
    }
  }
  return cur;
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Text of a chat message's content: a string, or the text parts of a content list. */
function contentText(content: unknown): string | undefined {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    const parts: string[] = [];
    for (const p of content) {
      if (typeof p === 'string') parts.push(p);
      else if (isPlainObject(p) && typeof p.text === 'string') parts.push(p.text);
    }
    return parts.length ? parts.join('') : undefined;
  }
  return undefined;
}

function isMessageList(v: unknown): v is Record<string, unknown>[] {
  return Array.isArray(v) && v.length > 0 && v.every((m) => isPlainObject(m) && 'content' in m);
}

/**
 * The text a model produced: a string as is; for a chat-message list, the last assistant
 * message (or the last message when no roles are given).
 */
export function completionText(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (isMessageList(v)) {
    for (let i = v.length - 1; i >= 0; i--) if (v[i].role === 'assistant') return contentText(v[i].content);
    return contentText(v[v.length - 1].content);
  }
  if (isPlainObject(v) && 'content' in v) return contentText(v.content);
  return undefined;
}

/**
 * The user turn of a chat prompt decoded with its special tokens skipped (verl's `input`, TRL's
 * `prompt`): Qwen's template leaves `system\n…\nuser\n…\nassistant\n` once `<|im_start|>` and
 * `<|im_end|>` are gone. Undefined when the text is not laid out that way.
 */
export function decodedUserTurn(text: string): string | undefined {
  const m = /^\s*system\n[\s\S]*\nuser\n([\s\S]*?)\n+assistant\s*$/.exec(text) ?? /^\s*user\n([\s\S]*?)\n+assistant\s*$/.exec(text);
  // The greedy system part makes this the last "user" line: the last user turn.
  return m ? m[1]!.trim() : undefined;
}

/** The user's question inside a prompt: last user message, or the user turn of a Qwen chat template (with or without its markers). */
export function userText(prompt: unknown): string | undefined {
  if (typeof prompt === 'string') {
    const turns = [...prompt.matchAll(/<\|im_start\|>user\n([\s\S]*?)(?:<\|im_end\|>|$)/g)];
    if (turns.length) return turns[turns.length - 1][1].replace(/<\|[a-z_]+\|>/g, '').trim();
    return decodedUserTurn(prompt) ?? prompt;
  }
  if (isMessageList(prompt)) {
    for (let i = prompt.length - 1; i >= 0; i--) if (prompt[i].role === 'user') return contentText(prompt[i].content);
  }
  return undefined;
}

/** A scalar as text (numbers and booleans are common for answers). */
export function scalarText(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  return undefined;
}

export function numberOf(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  return undefined;
}

/** A recorded reward: a number, or null when the file holds null/NaN (kept, never made 0). */
export function recordedValue(v: unknown): number | null | undefined {
  if (v === null) return null;
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'boolean') return v ? 1 : 0;
  return undefined;
}

/**
 * A HumanOmniV2-style question split into its problem and options: the problem, then
 * " Options:\n", then one "A. …" line per option (then the answer instruction).
 */
export function splitQuestionOptions(text: string): { problem: string; options: string[] } | undefined {
  const at = /\s*Options:\s*\n/.exec(text);
  if (!at) return undefined;
  const options: string[] = [];
  for (const line of text.slice(at.index + at[0].length).split(/\r?\n/)) {
    if (/^\s*\(?[A-Z][.):]\s*\S/.test(line)) options.push(line.trim());
    else if (options.length) break;
  }
  if (options.length < 2) return undefined;
  return { problem: text.slice(0, at.index).trim(), options };
}

/** Options as a list of lines: lists as is, dicts as `key. value`, a string split on newlines. */
export function optionsOf(v: unknown): string[] | undefined {
  if (Array.isArray(v)) return v.map((o) => (typeof o === 'string' ? o : JSON.stringify(o)));
  if (isPlainObject(v)) return Object.entries(v).map(([k, o]) => `${k}. ${typeof o === 'string' ? o : JSON.stringify(o)}`);
  if (typeof v === 'string' && v.trim() !== '') return v.split(/\r?\n/).filter((s) => s.trim() !== '');
  return undefined;
}
