// Finds the elements of a JSON list without parsing the whole document, so a list of any size
// (larger than JavaScript's string limit) is read with memory bounded by its largest element.
// The list is the document itself (`[…]`) or the value of a top-level key (`{"results": […]}`).
// Works on bytes: `"`, `\` and the structural characters are ASCII and never occur inside a
// multi-byte UTF-8 sequence, so no decoding is needed to find the boundaries.

export interface ListElement {
  /** The element's bytes (start of its first token to end of its last). */
  bytes: Buffer;
  byteOffset: number;
  /** 1-based line and byte column of the element's first byte. */
  line: number;
  column: number;
  /** 0-based position in the list. */
  index: number;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const NEWLINE = 0x0a;
const COLON = 0x3a;
const COMMA = 0x2c;
const isSpace = (b: number) => b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09;
const isOpen = (b: number) => b === 0x5b || b === 0x7b;
const isClose = (b: number) => b === 0x5d || b === 0x7d;

/**
 * Push-style scanner: feed chunks in order, collect elements as they complete, then `end()`.
 * `key` undefined: the document must be a list; otherwise the list under that top-level key.
 */
export class JsonListScanner {
  private depth = 0;
  private inString = false;
  private escaped = false;
  private line = 1;
  private lineStart = 0;
  private offset = 0;
  /** Depth at which the wanted list's elements sit (1 for a root list, 2 under a key), once found. */
  private listDepth = -1;
  private listClosed = false;
  private rootKind: 'list' | 'object' | undefined;
  /** The last complete string at depth 1 and whether a colon followed it (it was a key). */
  private lastKey: Buffer[] = [];
  private collectingKey = false;
  private keyIsWanted = false;
  private pendingColon = false;
  private element: { parts: Buffer[]; start: number; line: number; column: number } | undefined;
  private index = 0;
  private readonly wantedKey: Buffer | undefined;

  private readonly rootListOk: boolean;

  /**
   * `key`: the top-level key whose list is wanted; `rootList`: a document that is itself a list
   * is accepted too; `startOffset`: bytes already consumed before the first chunk (a BOM).
   */
  constructor(opts: { key?: string; rootList?: boolean; startOffset?: number } = {}) {
    this.wantedKey = opts.key === undefined ? undefined : Buffer.from(JSON.stringify(opts.key), 'utf8');
    this.rootListOk = opts.rootList ?? opts.key === undefined;
    this.offset = opts.startOffset ?? 0;
  }

  /** The list was found and closed: the document held what was asked for. */
  get complete(): boolean {
    return this.listClosed;
  }

  get found(): boolean {
    return this.listDepth >= 0;
  }

  get root(): 'list' | 'object' | undefined {
    return this.rootKind;
  }

  feed(chunk: Buffer, onElement: (e: ListElement) => void): void {
    let segStart = 0;
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i]!;
      if (b === NEWLINE) {
        this.line++;
        this.lineStart = this.offset + i + 1;
      }
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (b === BACKSLASH) this.escaped = true;
        else if (b === QUOTE) {
          this.inString = false;
          if (this.collectingKey) {
            this.lastKey.push(chunk.subarray(segStart, i + 1));
            this.collectingKey = false;
            this.keyIsWanted = this.wantedKey !== undefined && Buffer.concat(this.lastKey).equals(this.wantedKey);
          }
        }
        continue;
      }
      if (isSpace(b)) continue;
      // A new element starts at the first token inside the list at its depth.
      if (this.listDepth >= 0 && !this.listClosed && this.depth === this.listDepth && this.element === undefined && b !== COMMA && !isClose(b)) {
        this.element = { parts: [], start: this.offset + i, line: this.line, column: this.offset + i - this.lineStart + 1 };
        segStart = i;
      }
      if (b === QUOTE) {
        this.inString = true;
        if (this.depth === 1 && this.rootKind === 'object' && this.listDepth < 0) {
          this.collectingKey = true;
          this.lastKey = [];
          segStart = this.element ? segStart : i;
        }
        this.pendingColon = false;
        continue;
      }
      if (b === COLON) {
        if (this.depth === 1) this.pendingColon = this.keyIsWanted;
        continue;
      }
      if (isOpen(b)) {
        if (this.depth === 0 && this.rootKind === undefined) {
          this.rootKind = b === 0x5b ? 'list' : 'object';
          if (this.rootKind === 'list' && this.rootListOk) this.listDepth = 1;
        } else if (this.depth === 1 && b === 0x5b && this.pendingColon && this.listDepth < 0) {
          this.listDepth = 2;
        }
        this.pendingColon = false;
        this.depth++;
        continue;
      }
      if (isClose(b)) {
        if (this.element && this.depth === this.listDepth) this.finishElement(chunk, segStart, i, onElement);
        this.depth--;
        if (this.depth === this.listDepth - 1 && this.listDepth >= 0 && !this.listClosed) this.listClosed = true;
        continue;
      }
      if (b === COMMA) {
        if (this.element && this.depth === this.listDepth) this.finishElement(chunk, segStart, i, onElement);
        this.pendingColon = false;
        continue;
      }
      this.pendingColon = false;
    }
    if (this.element) this.element.parts.push(chunk.subarray(segStart));
    if (this.collectingKey) this.lastKey.push(chunk.subarray(segStart));
    this.offset += chunk.length;
  }

  private finishElement(chunk: Buffer, segStart: number, end: number, onElement: (e: ListElement) => void): void {
    const el = this.element!;
    el.parts.push(chunk.subarray(segStart, end));
    let bytes = el.parts.length === 1 ? el.parts[0]! : Buffer.concat(el.parts);
    let len = bytes.length;
    while (len > 0 && isSpace(bytes[len - 1]!)) len--;
    bytes = bytes.subarray(0, len);
    onElement({ bytes: Buffer.from(bytes), byteOffset: el.start, line: el.line, column: el.column, index: this.index++ });
    this.element = undefined;
  }
}
