// The number HumanOmniV2's trainer stored for a judge reply (vlm_modules/qwenomni_module.py):
//   try: value = ast.literal_eval(reply) / 5.0
//   except: value = 0
// So nothing checks the scale: "3" on the context scale (which has no 3) is 0.6, "7" is 1.4,
// "4.5" is 0.9, " 4" is 0.8 (Python ≥ 3.10 strips leading blanks), "True" is 0.2, "(4)" and
// "4 # sure" are 0.8, "0x4" is 0.8; "Score: 5", "4/5", "4, 5", JSON and prose raise, and "'4'",
// "[4]" or "None" cannot be divided: all of those become 0.
//
// Only the literals whose division by 5.0 succeeds need exact parsing: ints (decimal, hex, octal,
// binary, underscores), floats, booleans, one sign, parentheses and comments. A complex literal
// ("4j", "1+2j") divides too, giving a complex number that is not a real reward.

export type TrainerValueKind = 'number' | 'bool' | 'complex' | 'not-a-number' | 'raises';

export interface TrainerValue {
  kind: TrainerValueKind;
  /** What the trainer stored: the literal / 5.0, or 0 when anything raised. Null for a complex result. */
  stored: number | null;
  /** The literal's own value, for number and bool. */
  literal?: number;
  /** Why the trainer stored 0 (or what the reply parsed as). */
  reason: string;
}

const ID_CHAR = /[A-Za-z0-9_\u0080-\uffff]/;

class Scanner {
  pos = 0;
  depth = 0;
  constructor(readonly s: string) {}

  /** Skips blanks, comments, backslash continuations, and newlines inside parentheses. */
  skip(): void {
    for (;;) {
      const c = this.s[this.pos];
      if (c === ' ' || c === '\t' || c === '\f') this.pos++;
      else if (c === '\\' && /^\\(\r\n|\r|\n)./s.test(this.s.slice(this.pos, this.pos + 4))) this.pos += this.s[this.pos + 1] === '\r' && this.s[this.pos + 2] === '\n' ? 3 : 2;
      else if (c === '#') while (this.pos < this.s.length && this.s[this.pos] !== '\n' && this.s[this.pos] !== '\r') this.pos++;
      else if ((c === '\n' || c === '\r') && this.depth > 0) this.pos++;
      else return;
    }
  }

  /** At the end: only newlines, blanks and comments may follow. */
  atEnd(): boolean {
    // A last line of blanks with no newline after it is an IndentationError (a new, indented line).
    const tail = this.s.slice(this.pos);
    if (/(\r\n|\r|\n)[ \t\f]+$/.test(tail)) return false;
    for (;;) {
      this.skip();
      const c = this.s[this.pos];
      if (c === '\n' || c === '\r') this.pos++;
      else return this.pos >= this.s.length;
    }
  }
}

type Num = { type: 'int'; value: bigint } | { type: 'float'; value: number } | { type: 'complex' } | { type: 'bool'; value: boolean };

const DIGITS = (d: string) => `[${d}](?:_?[${d}])*`;
const DIGITPART = DIGITS('0-9');
const EXPONENT = `[eE][+-]?${DIGITPART}`;
const POINTFLOAT = `(?:(?:${DIGITPART})?\\.${DIGITPART}|${DIGITPART}\\.)`;
const FLOAT = `(?:${POINTFLOAT}(?:${EXPONENT})?|${DIGITPART}${EXPONENT})`;
const NUMBER_RE = new RegExp(
  `^(?:(?<imag>(?:${FLOAT}|${DIGITPART})[jJ])|(?<float>${FLOAT})|0[xX](?<hex>(?:_?[0-9a-fA-F])+)|0[oO](?<oct>(?:_?[0-7])+)|0[bB](?<bin>(?:_?[01])+)|(?<dec>[1-9](?:_?[0-9])*|0+(?:_?0)*))`,
);

/** A Python number token at the scanner, or undefined (the scanner does not move). */
function number(sc: Scanner): Num | undefined {
  const m = NUMBER_RE.exec(sc.s.slice(sc.pos));
  if (!m) return undefined;
  const end = sc.pos + m[0].length;
  // "4abc", "07", "1__0": Python's tokenizer rejects a number run into a name character.
  if (end < sc.s.length && ID_CHAR.test(sc.s[end]!)) return undefined;
  sc.pos = end;
  const g = m.groups!;
  if (g.imag !== undefined) return { type: 'complex' };
  if (g.float !== undefined) return { type: 'float', value: Number(g.float.replace(/_/g, '')) };
  if (g.hex !== undefined) return { type: 'int', value: BigInt('0x' + g.hex.replace(/_/g, '')) };
  if (g.oct !== undefined) return { type: 'int', value: BigInt('0o' + g.oct.replace(/_/g, '')) };
  if (g.bin !== undefined) return { type: 'int', value: BigInt('0b' + g.bin.replace(/_/g, '')) };
  return { type: 'int', value: BigInt(g.dec!.replace(/_/g, '')) };
}

function keyword(sc: Scanner, word: string): boolean {
  if (!sc.s.startsWith(word, sc.pos)) return false;
  const after = sc.s[sc.pos + word.length];
  if (after !== undefined && ID_CHAR.test(after)) return false;
  sc.pos += word.length;
  return true;
}

/** An operand that may carry parentheses (they make no node in Python's AST). */
function parenthesised<T>(sc: Scanner, inner: () => T | undefined): T | undefined {
  sc.skip();
  if (sc.s[sc.pos] !== '(') return inner();
  const start = sc.pos;
  sc.pos++;
  sc.depth++;
  const v = parenthesised(sc, inner);
  sc.skip();
  if (v === undefined || sc.s[sc.pos] !== ')') {
    sc.pos = start;
    sc.depth--;
    return undefined;
  }
  sc.pos++;
  sc.depth--;
  return v;
}

/** literal_eval's _convert_num: a bare numeric constant (not a bool). */
function plainNumber(sc: Scanner): Num | undefined {
  return parenthesised(sc, () => number(sc));
}

/** literal_eval's _convert_signed_num: a number with at most one + or −. */
function signedNumber(sc: Scanner): Num | undefined {
  return parenthesised(sc, () => {
    sc.skip();
    const c = sc.s[sc.pos];
    if (c !== '+' && c !== '-') return number(sc);
    sc.pos++;
    const n = plainNumber(sc);
    if (!n || n.type === 'bool') return undefined;
    if (c === '+' || n.type === 'complex') return n;
    return n.type === 'int' ? { type: 'int', value: -n.value } : { type: 'float', value: -n.value };
  });
}

/** The value literal_eval gives for a numeric-looking reply, or undefined when it raises or is not numeric. */
function literal(sc: Scanner): Num | undefined {
  const v = parenthesised(sc, () => {
    sc.skip();
    if (keyword(sc, 'True')) return { type: 'bool', value: true } as Num;
    if (keyword(sc, 'False')) return { type: 'bool', value: false } as Num;
    const left = signedNumber(sc);
    if (!left) return undefined;
    // literal_eval allows num ± complex (e.g. 1+2j), nothing else.
    const save = sc.pos;
    sc.skip();
    const op = sc.s[sc.pos];
    if (op === '+' || op === '-') {
      sc.pos++;
      const right = plainNumber(sc);
      if (right?.type === 'complex' && (left.type === 'int' || left.type === 'float')) return { type: 'complex' } as Num;
      return undefined;
    }
    sc.pos = save;
    return left;
  });
  return v;
}

/** Python's true division of an int by 5.0: the int converted to the nearest double first. */
function intOver5(v: bigint): number | undefined {
  const f = Number(v);
  return Number.isFinite(f) ? f / 5.0 : undefined; // an int beyond float range raises OverflowError
}

export function trainerJudgeValue(reply: string): TrainerValue {
  // ast.literal_eval strips leading spaces and tabs (Python ≥ 3.10) before parsing; the parser
  // then skips blank and comment-only lines, but an indented first real line is an IndentationError.
  const text = reply.replace(/^[ \t]+/, '');
  const blank = /^(?:[ \t\f]*(?:#[^\r\n]*)?(?:\r\n|\r|\n))+/.exec(text);
  const rest = blank ? text.slice(blank[0].length) : text;
  if (blank && /^[ \t\f]/.test(rest)) return { kind: 'raises', stored: 0, reason: 'the first line after blank lines is indented (IndentationError): the trainer stored 0' };
  const sc = new Scanner(rest);
  const v = literal(sc);
  if (v === undefined || !sc.atEnd()) {
    return { kind: 'raises', stored: 0, reason: 'ast.literal_eval cannot read it as a number (it raises, or gives text, a list or None that cannot be divided by 5.0): the trainer stored 0' };
  }
  switch (v.type) {
    case 'bool':
      return {
        kind: 'bool',
        stored: (v.value ? 1 : 0) / 5.0,
        literal: v.value ? 1 : 0,
        reason: `Python reads ${v.value ? 'True' : 'False'} as ${v.value ? 1 : 0}: the trainer stored ${(v.value ? 1 : 0) / 5.0}`,
      };
    case 'complex':
      return { kind: 'complex', stored: null, reason: 'a complex literal: the division succeeds but gives a complex number, not a reward' };
    case 'int': {
      const stored = intOver5(v.value);
      if (stored === undefined) return { kind: 'raises', stored: 0, reason: 'an integer too large for a float: the division raises OverflowError and the trainer stored 0' };
      return { kind: 'number', stored, literal: Number(v.value), reason: `literal_eval gives ${v.value}, / 5.0 = ${stored}` };
    }
    case 'float':
      return { kind: 'number', stored: v.value / 5.0, literal: v.value, reason: `literal_eval gives ${v.value}, / 5.0 = ${v.value / 5.0}` };
  }
}
