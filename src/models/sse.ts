// Server-sent events as chat-completions servers stream them (vLLM, SGLang, OpenAI): bytes in,
// the `data:` payload of each finished event out, whatever the chunk boundaries.

import { StringDecoder } from 'node:string_decoder';

/** Reads server-sent events: `data:` payloads, one per event, in order. */
export class SseReader {
  private decoder = new StringDecoder('utf8');
  private pending = '';
  private data: string[] = [];

  /** Feeds bytes; returns the payloads of the events they completed. */
  push(chunk: Buffer): string[] {
    this.pending += this.decoder.write(chunk);
    const done: string[] = [];
    let nl = this.pending.indexOf('\n');
    while (nl !== -1) {
      let line = this.pending.slice(0, nl);
      this.pending = this.pending.slice(nl + 1);
      if (line.endsWith('\r')) line = line.slice(0, -1);
      if (line === '') {
        if (this.data.length) done.push(this.data.join('\n'));
        this.data = [];
      } else if (line.startsWith('data:')) {
        this.data.push(line.charCodeAt(5) === 32 ? line.slice(6) : line.slice(5));
      }
      // `event:`, `id:`, `retry:` and comments carry nothing the chat protocol uses.
      nl = this.pending.indexOf('\n');
    }
    return done;
  }

  /** The last event, when the stream ends without the blank line after it (some servers do). */
  end(): string[] {
    return this.push(Buffer.from('\n\n'));
  }
}
