// Characters in model output that change what a reader sees without being seen themselves:
// bidi controls (which reorder the text around them, so "gnp.exe" can read as "exe.png"),
// zero-width and other invisible characters, and terminal control codes. The trace view marks
// them in place; the CLI and the Output channel print them escaped.

/** Bidi controls by code point, with their short names (as VS Code's editor shows them). */
const BIDI: Record<number, string> = {
  0x061c: 'ALM',
  0x200e: 'LRM',
  0x200f: 'RLM',
  0x202a: 'LRE',
  0x202b: 'RLE',
  0x202c: 'PDF',
  0x202d: 'LRO',
  0x202e: 'RLO',
  0x2066: 'LRI',
  0x2067: 'RLI',
  0x2068: 'FSI',
  0x2069: 'PDI',
};

/** Invisible (zero-width, blank or format) characters that are not bidi controls. */
const INVISIBLE: Record<number, string> = {
  0x00ad: 'SHY',
  0x034f: 'CGJ',
  0x115f: 'HCF',
  0x1160: 'HJF',
  0x17b4: 'KIVAQ',
  0x17b5: 'KIVAA',
  0x180e: 'MVS',
  0x200b: 'ZWSP',
  0x200c: 'ZWNJ',
  0x200d: 'ZWJ',
  0x2060: 'WJ',
  0x2061: 'FA',
  0x2062: 'IT',
  0x2063: 'IS',
  0x2064: 'IP',
  0x206a: 'ISS',
  0x206b: 'ASS',
  0x206c: 'IAFS',
  0x206d: 'AAFS',
  0x206e: 'NADS',
  0x206f: 'NODS',
  0x3164: 'HF',
  0xfeff: 'BOM',
  0xffa0: 'HWHF',
};

export type InvisibleKind = 'bidi' | 'invisible' | 'control' | 'tag';

export interface InvisibleChar {
  /** UTF-16 offset in the text. */
  offset: number;
  /** The character as it is in the text (two code units for a tag character). */
  char: string;
  codePoint: number;
  kind: InvisibleKind;
  /** Short label shown in place of the character, e.g. "RLO". */
  label: string;
}

/** Every character this module marks: bidi, invisible, C0/C1 controls (but tab and newline), Unicode tags. */
export const INVISIBLE_RE =
  /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\u3164\ufeff\uffa0]|\udb40[\udc00-\udc7f]/g;

export function codePointLabel(cp: number): string {
  return `U+${cp.toString(16).toUpperCase().padStart(4, '0')}`;
}

export function classifyInvisible(char: string): { kind: InvisibleKind; label: string; codePoint: number } {
  const cp = char.codePointAt(0)!;
  if (cp in BIDI) return { kind: 'bidi', label: BIDI[cp]!, codePoint: cp };
  if (cp in INVISIBLE) return { kind: 'invisible', label: INVISIBLE[cp]!, codePoint: cp };
  // Unicode tag characters spell hidden ASCII (U+E0041 is a hidden "A").
  if (cp >= 0xe0000 && cp <= 0xe007f) return { kind: 'tag', label: cp >= 0xe0020 && cp < 0xe007f ? `TAG ${String.fromCharCode(cp - 0xe0000)}` : 'TAG', codePoint: cp };
  return { kind: 'control', label: codePointLabel(cp), codePoint: cp };
}

/** The marked characters of `text`, in order. */
export function findInvisible(text: string): InvisibleChar[] {
  const out: InvisibleChar[] = [];
  for (const m of text.matchAll(INVISIBLE_RE)) out.push({ offset: m.index, char: m[0], ...classifyInvisible(m[0]) });
  return out;
}

/** How many marked characters `text` holds, by kind. */
export function countInvisible(text: string): { bidi: number; invisible: number; total: number } {
  let bidi = 0;
  let total = 0;
  for (const m of text.matchAll(INVISIBLE_RE)) {
    total++;
    if (classifyInvisible(m[0]).kind === 'bidi') bidi++;
  }
  return { bidi, invisible: total - bidi, total };
}

// What a terminal must never receive raw: C0 controls but tab and newline (ESC starts escape
// sequences, CR rewrites the line), DEL, C1 controls (0x9b is a one-byte CSI), bidi controls.
const TERMINAL_UNSAFE_RE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/** Text safe to print on a terminal or in a log: unsafe characters become `\x1b` / `\u202e`. */
export function escapeControls(text: string): string {
  return text.replace(TERMINAL_UNSAFE_RE, (c) => {
    const cp = c.charCodeAt(0);
    return cp <= 0xff ? `\\x${cp.toString(16).padStart(2, '0')}` : `\\u${cp.toString(16).padStart(4, '0')}`;
  });
}
