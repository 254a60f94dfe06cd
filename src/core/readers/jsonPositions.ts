// Where things sit inside a whole-file JSON document. JSON.parse gives values but no positions;
// a view wants to jump to the line of result #i, and an error should say line:column.

import { errorText } from '../errors';

/** 1-based line and column of a character offset. */
export function lineColAt(text: string, pos: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < pos; i = text.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, column: pos - lineStart + 1 };
}

/**
 * Describes a JSON.parse failure with line:column when V8 reports a position; `at` places a
 * text that starts inside a file (a list element) at its line and column there.
 */
export function describeJsonError(err: unknown, text: string, at?: { line: number; column: number }): string {
  const msg = errorText(err);
  const m = /at position (\d+)/.exec(msg);
  if (m) {
    const local = lineColAt(text, Number(m[1]));
    const line = at ? at.line + local.line - 1 : local.line;
    const column = at && local.line === 1 ? at.column + local.column - 1 : local.column;
    return `invalid JSON at line ${line}, column ${column}: ${msg.replace(/\s*\(line \d+ column \d+\)/, '')}`;
  }
  return `invalid JSON: ${msg}`;
}

/**
 * 1-based line of each element of an array: the top-level array when `key` is undefined, else
 * the array under that key of the top-level object. A character scan (strings and escapes
 * respected), linear in the text; empty when the shape does not match.
 */
export function arrayElementLines(text: string, key?: string): number[] {
  const lines: number[] = [];
  let depth = 0;
  let line = 1;
  let inString = false;
  let stringStart = -1;
  let lastKeyAtDepth1: string | undefined;
  let targetDepth = key === undefined ? 1 : -1; // depth inside the wanted array
  let expectElement = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10) line++;
    if (inString) {
      if (c === 92)
        i++; // skip the escaped char (an escaped newline is never raw in JSON)
      else if (c === 34) {
        inString = false;
        if (depth === 1 && key !== undefined) lastKeyAtDepth1 = text.slice(stringStart + 1, i);
      }
      continue;
    }
    if (c === 32 || c === 9 || c === 13 || c === 10 || c === 0xfeff) continue;
    if (expectElement && c !== 93 /* ] */) {
      lines.push(line);
      expectElement = false;
    } else if (expectElement) {
      expectElement = false;
    }
    if (c === 34) {
      inString = true;
      stringStart = i;
    } else if (c === 123 /* { */ || c === 91 /* [ */) {
      depth++;
      if (c === 91 && key !== undefined && depth === 2 && targetDepth === -1 && lastKeyAtDepth1 === key) targetDepth = 2;
      if (c === 91 && depth === targetDepth) expectElement = true;
    } else if (c === 125 /* } */ || c === 93 /* ] */) {
      if (depth === targetDepth && c === 93 && key !== undefined) targetDepth = -2; // done with it
      depth--;
    } else if (c === 44 /* , */ && depth === targetDepth) {
      expectElement = true;
    }
  }
  return lines;
}

/** Describes a JSON.parse failure of one line (columns are 1-based). */
export function jsonLineError(err: unknown): string {
  const msg = errorText(err);
  const m = /at position (\d+)/.exec(msg);
  const bare = msg.replace(/\s*in JSON at position \d+.*$/, '').replace(/\s*\(line \d+ column \d+\)/, '');
  return `invalid JSON${m ? ` at column ${Number(m[1]) + 1}` : ''}: ${bare}`;
}

/** An id made from a JSON number that a double could not hold exactly (its digits were rounded). */
export function lostDigits(id: string): boolean {
  return (/^-?\d{16,}$/.test(id) && !Number.isSafeInteger(Number(id))) || /^-?\d(\.\d+)?e\+\d+$/.test(id);
}

/**
 * The JSON text with every integer literal too large for a double turned into a string of its
 * digits, so an id like 12345678901234567891 keeps them. Strings are left alone.
 */
export function quoteUnsafeIntegers(text: string): string {
  return text.replace(/"(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/g, (tok) => {
    if (tok[0] === '"' || !/^-?\d{16,}$/.test(tok) || Number.isSafeInteger(Number(tok))) return tok;
    return `"${tok}"`;
  });
}
