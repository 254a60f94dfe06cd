// JSON text written straight into a reusable byte buffer as UTF-8, byte for byte what
// Buffer.from(JSON.stringify(value)) would hold. For the scorer's hot path: building an object
// only to stringify it, then flattening and encoding the (two-byte, once one '→' is in it)
// result, allocated several times the output per rollout and kept the garbage collector busy.

const HEX = '0123456789abcdef';

/** Short strings whose encoded JSON is kept: file paths, statuses and explanations repeat on every line. */
const CACHE_MAX_CHARS = 160;
const CACHE_MAX_ENTRIES = 4096;

export class JsonOut {
  buf: Buffer;
  pos = 0;
  private readonly encoded = new Map<string, Buffer>();

  constructor(size = 1 << 16) {
    this.buf = Buffer.allocUnsafe(size);
  }

  /** Makes room for n more bytes. */
  reserve(n: number): void {
    if (this.pos + n > this.buf.length) {
      const bigger = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
      this.buf.copy(bigger, 0, 0, this.pos);
      this.buf = bigger;
    }
  }

  /** Appends text known to be ASCII and to need no escaping (keys, punctuation). */
  ascii(s: string): void {
    const n = s.length;
    this.reserve(n);
    const b = this.buf;
    let p = this.pos;
    for (let i = 0; i < n; i++) b[p++] = s.charCodeAt(i);
    this.pos = p;
  }

  /** Appends bytes already encoded (a cached piece of JSON). */
  bytes(b: Uint8Array): void {
    this.reserve(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  byte(c: number): void {
    this.reserve(1);
    this.buf[this.pos++] = c;
  }

  /** Appends text as UTF-8 without escaping (JSON text made by JSON.stringify). */
  raw(s: string): void {
    this.reserve(3 * s.length);
    this.pos += this.buf.write(s, this.pos, 'utf8');
  }

  /** JSON.stringify(s), encoded, for a string unlikely to repeat (an id): not cached. */
  unique(s: string): void {
    if (s.length > 64) this.raw(JSON.stringify(s));
    else this.escape(s, 0, s.length);
  }

  /** JSON.stringify(s.slice(from, to)), encoded. */
  str(s: string, from = 0, to = s.length): void {
    // Long strings (section texts): V8's own escaping and encoding beat a loop over charCodeAt
    // (measured on Node 20), even with the intermediate string.
    if (to - from > CACHE_MAX_CHARS) return this.raw(JSON.stringify(from === 0 && to === s.length ? s : s.slice(from, to)));
    if (from !== 0 || to !== s.length) return this.escape(s, from, to);
    const hit = this.encoded.get(s);
    if (hit !== undefined) return this.bytes(hit);
    const at = this.pos;
    if (s.length > 64) this.raw(JSON.stringify(s));
    else this.escape(s, from, to);
    if (this.encoded.size < CACHE_MAX_ENTRIES) this.encoded.set(s, Buffer.from(this.buf.subarray(at, this.pos)));
  }

  private escape(s: string, from: number, to: number): void {
    this.reserve(6 * (to - from) + 2);
    const b = this.buf;
    let p = this.pos;
    b[p++] = 0x22;
    for (let i = from; i < to; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x20 && c < 0x7f) {
        if (c === 0x22 || c === 0x5c) b[p++] = 0x5c;
        b[p++] = c;
      } else if (c < 0x80) {
        if (c === 0x7f) {
          b[p++] = c;
          continue;
        }
        b[p++] = 0x5c;
        if (c === 0x0a) b[p++] = 0x6e;
        else if (c === 0x09) b[p++] = 0x74;
        else if (c === 0x0d) b[p++] = 0x72;
        else if (c === 0x08) b[p++] = 0x62;
        else if (c === 0x0c) b[p++] = 0x66;
        else {
          b[p++] = 0x75;
          b[p++] = 0x30;
          b[p++] = 0x30;
          b[p++] = HEX.charCodeAt(c >> 4);
          b[p++] = HEX.charCodeAt(c & 15);
        }
      } else if (c < 0x800) {
        b[p++] = 0xc0 | (c >> 6);
        b[p++] = 0x80 | (c & 63);
      } else if (c >= 0xd800 && c <= 0xdfff) {
        const d = i + 1 < to ? s.charCodeAt(i + 1) : 0;
        if (c <= 0xdbff && d >= 0xdc00 && d <= 0xdfff) {
          const cp = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
          i++;
          b[p++] = 0xf0 | (cp >> 18);
          b[p++] = 0x80 | ((cp >> 12) & 63);
          b[p++] = 0x80 | ((cp >> 6) & 63);
          b[p++] = 0x80 | (cp & 63);
        } else {
          // A lone surrogate: JSON.stringify escapes it (well-formed JSON.stringify).
          b[p++] = 0x5c;
          b[p++] = 0x75;
          b[p++] = HEX.charCodeAt(c >> 12);
          b[p++] = HEX.charCodeAt((c >> 8) & 15);
          b[p++] = HEX.charCodeAt((c >> 4) & 15);
          b[p++] = HEX.charCodeAt(c & 15);
        }
      } else {
        b[p++] = 0xe0 | (c >> 12);
        b[p++] = 0x80 | ((c >> 6) & 63);
        b[p++] = 0x80 | (c & 63);
      }
    }
    b[p++] = 0x22;
    this.pos = p;
  }

  /** JSON.stringify(x) for a number: non-finite numbers are null. */
  num(x: number): void {
    if (x >= 0 && x <= 0x7fffffff && (x | 0) === x) {
      this.reserve(10);
      const b = this.buf;
      if (x < 10) {
        b[this.pos++] = 0x30 + x;
        return;
      }
      let digits = 1;
      for (let t = x; t >= 10; t = (t / 10) | 0) digits++;
      let p = this.pos + digits;
      this.pos = p;
      let t = x;
      while (t >= 10) {
        b[--p] = 0x30 + (t % 10);
        t = (t / 10) | 0;
      }
      b[--p] = 0x30 + t;
      return;
    }
    this.ascii(Number.isFinite(x) ? String(x) : 'null');
  }

  /** A value as JSON.stringify would write it inside an object (the caller skips undefined). */
  value(v: unknown): void {
    if (typeof v === 'string') this.str(v);
    else if (typeof v === 'number') this.num(v);
    else if (v === null) this.ascii('null');
    else if (v === true) this.ascii('true');
    else if (v === false) this.ascii('false');
    else if (Array.isArray(v)) {
      this.byte(0x5b);
      for (let i = 0; i < v.length; i++) {
        if (i > 0) this.byte(0x2c);
        const x: unknown = v[i];
        if (x === undefined || typeof x === 'function' || typeof x === 'symbol') this.ascii('null');
        else this.value(x);
      }
      this.byte(0x5d);
    } else if (typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype && typeof (v as { toJSON?: unknown }).toJSON !== 'function') {
      const o = v as Record<string, unknown>;
      this.byte(0x7b);
      let first = true;
      for (const k in o) {
        if (!Object.prototype.hasOwnProperty.call(o, k)) continue;
        const x = o[k];
        if (x === undefined || typeof x === 'function' || typeof x === 'symbol') continue;
        if (!first) this.byte(0x2c);
        first = false;
        this.str(k);
        this.byte(0x3a);
        this.value(x);
      }
      this.byte(0x7d);
    } else this.raw(JSON.stringify(v) ?? 'null');
  }

  /** `,"key":` (no comma when first); `key` is ASCII needing no escape. */
  key(key: string, first = false): void {
    this.reserve(key.length + 4);
    const b = this.buf;
    let p = this.pos;
    if (!first) b[p++] = 0x2c;
    b[p++] = 0x22;
    for (let i = 0; i < key.length; i++) b[p++] = key.charCodeAt(i);
    b[p++] = 0x22;
    b[p++] = 0x3a;
    this.pos = p;
  }

  /** `,"key":value` (no comma when first), skipped where JSON.stringify skips it; true when written. */
  prop(key: string, v: unknown, first = false): boolean {
    if (v === undefined || typeof v === 'function' || typeof v === 'symbol') return false;
    this.key(key, first);
    this.value(v);
    return true;
  }
}
