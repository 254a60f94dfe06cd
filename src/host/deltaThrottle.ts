// Coalesces streamed text per sample so a webview gets at most one `streamDelta` per sample every
// `intervalMs` (default 20 ms), and at once when a sample is done. No vscode here: the live run
// panel and the stream bench share it.

import type { WebviewEvents } from '../protocol/messages';

export type StreamDelta = WebviewEvents['streamDelta'];

export class DeltaThrottle {
  private readonly pending = new Map<number, { text: string; at: number }>();
  private readonly length = new Map<number, number>();
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly emit: (d: StreamDelta) => void,
    private readonly intervalMs = 20,
  ) {}

  /** Text appended to sample `index`. */
  push(index: number, text: string): void {
    if (!text) return;
    const at = this.length.get(index) ?? 0;
    this.length.set(index, at + text.length);
    const p = this.pending.get(index);
    if (p) p.text += text;
    else this.pending.set(index, { text, at });
    this.timer ??= setTimeout(() => this.flush(), this.intervalMs);
  }

  /** Sends what is pending now. */
  flush(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    const batch = [...this.pending];
    this.pending.clear();
    for (const [index, p] of batch) this.emit({ index, text: p.text, at: p.at });
  }

  /** Sample `index` is finished: flush, then say so. */
  done(index: number): void {
    this.flush();
    this.emit({ index, text: '', at: this.length.get(index) ?? 0, done: true });
  }

  /** Characters pushed so far for a sample. */
  sent(index: number): number {
    return this.length.get(index) ?? 0;
  }

  dispose(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.pending.clear();
  }
}
