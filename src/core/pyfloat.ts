// Python's float(str) and round(float, n), reproduced exactly. The HumanOmniV2 accuracy reward
// parses answers with float() and compares round(x, 2) values, so a string that parses in
// JavaScript but not in Python (or rounds differently) would score differently here than in
// training. Pure TypeScript: runs in the webview too.

import { pyIsSpace } from './pycompat';

const DECIMAL_DIGIT = /^\p{Nd}$/u;

/**
 * Value of a Unicode decimal digit. Unicode guarantees Nd characters come in contiguous runs of
 * ten, 0 through 9, so the value is the distance from the start of the run, modulo 10 (some runs,
 * like the mathematical digits, are several sets of ten back to back).
 */
function decimalDigitValue(cp: number): number {
  let start = cp;
  while (start > 0 && DECIMAL_DIGIT.test(String.fromCodePoint(start - 1))) start--;
  return (cp - start) % 10;
}

/**
 * CPython first rewrites the string to ASCII: other Unicode whitespace becomes ' ', Unicode decimal
 * digits become '0'–'9', anything else non-ASCII becomes a character that cannot parse.
 */
function toAsciiLikePython(s: string): string {
  let out = '';
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (cp < 128) out += ch;
    else if (pyIsSpace(ch)) out += ' ';
    else if (DECIMAL_DIGIT.test(ch)) out += String.fromCharCode(48 + decimalDigitValue(cp));
    else out += '?';
  }
  return out;
}

const isAsciiDigit = (c: string) => c >= '0' && c <= '9';

/** Python allows '_' only between two digits (checked on the whole string, before stripping). */
function removeUnderscoresLikePython(s: string): string | undefined {
  if (!s.includes('_')) return s;
  let out = '';
  let prev = '';
  for (const c of s) {
    if (c === '_') {
      if (!isAsciiDigit(prev)) return undefined;
    } else {
      if (prev === '_' && !isAsciiDigit(c)) return undefined;
      out += c;
    }
    prev = c;
  }
  return prev === '_' ? undefined : out;
}

// float()'s final strip uses C isspace on ASCII only: '\x1c'–'\x1f' are NOT stripped here, even
// though str.strip() and re's \s treat them as whitespace.
const ASCII_SPACE = /^[ \t\n\x0b\x0c\r]+|[ \t\n\x0b\x0c\r]+$/g;
const SPECIAL = /^([+-]?)(inf|infinity|nan)$/i;
const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/** Python's float(s) for a str argument; undefined where Python raises ValueError. */
export function pyFloat(s: string): number | undefined {
  const noUnderscores = removeUnderscoresLikePython(toAsciiLikePython(s));
  if (noUnderscores === undefined) return undefined;
  const t = noUnderscores.replace(ASCII_SPACE, '');
  const special = SPECIAL.exec(t);
  if (special) {
    if (special[2]!.toLowerCase() === 'nan') return NaN;
    return special[1] === '-' ? -Infinity : Infinity;
  }
  if (!DECIMAL.test(t)) return undefined;
  // Both Number() and CPython's strtod are correctly rounded, so once the syntax is Python's the
  // value is too (overflow to ±inf and underflow to ±0 included).
  return Number(t);
}

/** Thrown where Python's round() raises OverflowError. */
export class PyOverflowError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PyOverflowError';
  }
}

/** Exact binary value of a finite double: (-1)^sign × mantissa × 2^exponent. */
function decompose(x: number): { negative: boolean; mantissa: bigint; exponent: number } {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const hi = view.getUint32(0);
  const lo = view.getUint32(4);
  const negative = hi >>> 31 === 1;
  const biased = (hi >>> 20) & 0x7ff;
  const fraction = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  if (biased === 0) return { negative, mantissa: fraction, exponent: -1074 };
  return { negative, mantissa: fraction | (1n << 52n), exponent: biased - 1075 };
}

// CPython's limits beyond which round() returns x unchanged or a signed zero.
const NDIGITS_MAX = 323;
const NDIGITS_MIN = -308;

/**
 * Python's round(x, ndigits) for a float: the exact binary value of x is rounded to ndigits
 * decimal places, ties to even, then converted back to the nearest double. So round(2.675, 2) is
 * 2.67 (2.675 is stored just below the tie) and round(0.125, 2) is 0.12 (an exact tie, to even).
 */
export function pyRound(x: number, ndigits: number): number {
  if (!Number.isInteger(ndigits)) throw new TypeError('ndigits must be an integer');
  if (!Number.isFinite(x)) return x;
  if (ndigits > NDIGITS_MAX) return x;
  if (ndigits < NDIGITS_MIN) return 0 * x;
  const { negative, mantissa, exponent } = decompose(x);
  // x × 10^ndigits = num / den exactly.
  let num = mantissa;
  let den = 1n;
  if (exponent >= 0) num <<= BigInt(exponent);
  else den <<= BigInt(-exponent);
  if (ndigits >= 0) num *= 10n ** BigInt(ndigits);
  else den *= 10n ** BigInt(-ndigits);
  let q = num / den;
  const twiceRemainder = 2n * (num % den);
  if (twiceRemainder > den || (twiceRemainder === den && q % 2n === 1n)) q += 1n;
  const magnitude = Number(`${q}e${-ndigits}`);
  if (!Number.isFinite(magnitude)) throw new PyOverflowError('rounded value too large to represent');
  return negative ? -magnitude : magnitude;
}
