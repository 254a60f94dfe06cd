// The live run's strip above the table: "k of n done", and one entry per sample with its state
// (waiting, streaming, done, stopped), its format verdict and accuracy once it is scored, the
// judged rewards as they arrive, and its token count and latency. A failure or a reward not
// computed reads as such, never as 0 (the same classes and texts as the reward chips).

import type { LiveRunProgress, LiveSample } from '../../src/protocol/messages';
import { el, formatNumber } from './dom';
import { statusText, valueClass, valueText } from './chips';

const STATE_TEXT: Record<LiveSample['state'], string> = {
  waiting: 'waiting',
  streaming: 'streaming…',
  done: 'done',
  stopped: 'stopped',
};

export class RunStrip {
  readonly element = el('section', { class: 'run-strip', testid: 'run-strip', attrs: { hidden: true, 'aria-label': 'Samples of this run' } });

  constructor(private readonly open: (index: number) => void) {}

  update(p: LiveRunProgress | undefined): void {
    if (!p) {
      this.element.hidden = true;
      return;
    }
    this.element.hidden = false;
    const stopped = p.samples.filter((s) => s.state === 'stopped').length;
    const judging = p.samples.filter((s) => s.judge === 'judging').length;
    const header = [`${p.done} of ${p.n} done`, stopped ? `${stopped} stopped` : '', p.running ? 'running' : '', judging ? `judging ${judging}` : '', p.judge ? `judge: ${p.judge}` : '']
      .filter(Boolean)
      .join(' · ');
    this.element.replaceChildren(
      el('div', { class: 'run-strip-header', testid: 'run-strip-count', text: header }),
      el(
        'ol',
        { class: 'run-samples' },
        p.samples.map((s) => this.sample(s)),
      ),
    );
  }

  private sample(s: LiveSample): HTMLElement {
    const open = el('button', { class: 'link', text: `sample ${s.index + 1}`, attrs: { type: 'button' }, title: 'Show this sample' });
    open.addEventListener('click', () => this.open(s.index));
    const scored = s.state === 'done' || s.state === 'stopped';
    const format =
      scored && s.formatOk !== undefined
        ? el('span', {
            class: ['run-chip', s.formatOk ? 'v-pass' : 'v-zero'],
            testid: 'sample-format',
            text: s.formatOk ? 'format ✓' : `format ✗ ${s.formatReason ?? ''}`.trim(),
            attrs: { 'data-ok': String(s.formatOk) },
          })
        : null;
    const rewards = Object.entries(s.rewards)
      .filter(([name]) => name !== 'format')
      .map(([name, r]) =>
        el('span', {
          class: ['run-chip', valueClass(r.value, r.status)],
          testid: `sample-reward-${name}`,
          text: `${name} ${valueText(r.value, r.status)}`,
          title: r.status === 'ok' ? undefined : `status: ${statusText(r.status)}`,
          attrs: { 'data-status': r.status, 'data-value': r.value === null ? '' : String(r.value) },
        }),
      );
    const secs = (ms: number) => `${formatNumber(ms / 1000, 1)} s`;
    const timing = s.latencyMs !== undefined ? secs(s.latencyMs) : s.firstTokenMs !== undefined ? `first token ${secs(s.firstTokenMs)}` : '';
    return el('li', { class: ['run-sample', `state-${s.state}`], testid: 'run-sample', attrs: { 'data-index': s.index, 'data-state': s.state } }, [
      open,
      el('span', { class: 'run-sample-state', testid: 'sample-state', text: STATE_TEXT[s.state] }),
      format,
      ...rewards,
      s.judge === 'judging' ? el('span', { class: 'run-chip muted', testid: 'sample-judging', text: 'judging…' }) : null,
      el('span', { class: 'muted', testid: 'sample-tokens', text: `${s.tokens.toLocaleString()} token${s.tokens === 1 ? '' : 's'}`, title: 'streamed pieces (about one token each)' }),
      timing ? el('span', { class: 'muted', testid: 'sample-latency', text: timing, title: 'from sending the request' }) : null,
    ]);
  }
}
