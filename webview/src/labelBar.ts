// Labelling by keyboard in the trace view: one row per judged reward with its scale; number keys
// set the active reward's label, ← → pick the reward, j/k (or ↓/↑) move between rollouts, u undoes,
// ? shows the keys. Blind by default: the judge's score shows only once the reward is labelled. A
// label two or more away from the judge asks for a short reason (Enter saves, Esc skips).

import type { LabelState } from '../../src/core/viewTypes';
import { el } from './dom';

export interface LabelBarHost {
  setLabel(reward: string, score: number, reason?: string): Promise<LabelState>;
  undo(): Promise<void>;
  move(step: 1 | -1): void;
  /** After every change of what is labelled (the view re-masks the judge's chips). */
  changed(): void;
}

export class LabelBar {
  readonly element = el('section', { class: 'label-bar', testid: 'label-bar', attrs: { 'aria-label': 'labels' } });
  private state: LabelState | undefined;
  private active = 0;
  private asking: { reward: string; score: number } | undefined;
  private help = false;

  constructor(private readonly host: LabelBarHost) {}

  /** Rewards whose judge score must stay hidden (blind and not yet labelled). */
  hiddenRewards(): Set<string> {
    const s = this.state;
    if (!s?.enabled || !s.blind) return new Set();
    return new Set(s.rewards.filter((r) => r.label === undefined).map((r) => r.reward));
  }

  show(state: LabelState): void {
    this.state = state;
    const firstOpen = state.rewards.findIndex((r) => r.label === undefined);
    this.active = firstOpen >= 0 ? firstOpen : Math.min(this.active, Math.max(0, state.rewards.length - 1));
    this.asking = undefined;
    this.render();
  }

  private render(): void {
    this.draw();
    this.host.changed();
  }

  private draw(): void {
    const s = this.state;
    if (!s) return;
    if (!s.enabled) {
      this.element.replaceChildren(el('div', { class: 'muted small', text: s.why ?? 'labelling is off here' }));
      return;
    }
    if (!s.rewards.length) {
      this.element.replaceChildren(el('div', { class: 'muted small', text: 'Nothing to label: this rollout has no judged reward yet (judge it first).' }));
      return;
    }
    const rows = s.rewards.map((r, i) =>
      el('div', { class: ['label-row', i === this.active ? 'active' : null], testid: 'label-row', attrs: { 'data-reward': r.reward, 'data-label': r.label ?? '' } }, [
        el('span', { class: 'label-reward', text: r.reward }),
        el(
          'span',
          { class: 'label-scale' },
          r.scale.map((v) => {
            const b = el('button', { class: ['label-choice', r.label === v ? 'chosen' : null], testid: 'label-choice', attrs: { type: 'button', 'data-score': v }, text: String(v) });
            b.addEventListener('click', () => void this.choose(i, v));
            return b;
          }),
        ),
        el('span', {
          class: 'label-judge muted',
          testid: 'label-judge',
          text: s.blind && r.label === undefined ? 'judge: hidden until you label' : `judge: ${r.judge ?? '—'}`,
        }),
        r.reason ? el('span', { class: 'muted small', text: `“${r.reason}”` }) : null,
      ]),
    );
    const asking = this.asking
      ? (() => {
          const input = el('input', { class: 'label-reason', testid: 'label-reason', attrs: { type: 'text', placeholder: 'Why does it differ from the judge? (Enter saves, Esc skips)' } });
          input.addEventListener('keydown', (e) => {
            if (e.key === 'Enter') void this.saveReason(input.value);
            if (e.key === 'Escape') {
              this.asking = undefined;
              this.render();
            }
            e.stopPropagation();
          });
          queueMicrotask(() => input.focus());
          return input;
        })()
      : null;
    this.element.replaceChildren(
      el('div', { class: 'label-head' }, [el('strong', { text: 'Label' }), el('span', { class: 'muted small', text: `as ${s.labeller} · keys: 0–5 label, ← → reward, j k rollout, u undo, ? help` })]),
      ...rows,
      ...(asking ? [asking] : []),
      ...(this.help
        ? [
            el('div', {
              class: 'label-help',
              testid: 'label-help',
              text: 'Number keys set the active reward’s label (then the next unlabelled reward is active). ← / → pick the reward. j or ↓ next rollout, k or ↑ previous. u undoes your last label. Labels go to .omnitrace/labels/<you>.jsonl. ? hides this.',
            }),
          ]
        : []),
    );
  }

  private async choose(rewardIndex: number, score: number): Promise<void> {
    const r = this.state?.rewards[rewardIndex];
    if (!r) return;
    this.state = await this.host.setLabel(r.reward, score);
    const judge = this.state.rewards.find((x) => x.reward === r.reward)?.judge;
    const next = this.state.rewards.findIndex((x) => x.label === undefined);
    this.active = next >= 0 ? next : rewardIndex;
    this.asking = judge !== null && judge !== undefined && Math.abs(judge - score) >= 2 ? { reward: r.reward, score } : undefined;
    this.render();
  }

  private async saveReason(reason: string): Promise<void> {
    const a = this.asking;
    this.asking = undefined;
    if (a && reason.trim()) this.state = await this.host.setLabel(a.reward, a.score, reason);
    this.render();
  }

  /** The bar's keys; returns true when it took the key. */
  onKey(e: KeyboardEvent): boolean {
    return this.press(e.key);
  }

  /** A key of the bar, from the keyboard or a VS Code keybinding; true when it took it. */
  press(key: string): boolean {
    const s = this.state;
    if (!s?.enabled || this.asking) return false;
    if (key === '?') {
      this.help = !this.help;
      this.render();
      return true;
    }
    if (key === 'j' || key === 'ArrowDown') {
      this.host.move(1);
      return true;
    }
    if (key === 'k' || key === 'ArrowUp') {
      this.host.move(-1);
      return true;
    }
    if (key === 'u') {
      void this.host.undo();
      return true;
    }
    if (!s.rewards.length) return false;
    if (key === 'ArrowRight' || key === 'ArrowLeft') {
      this.active = (this.active + (key === 'ArrowRight' ? 1 : s.rewards.length - 1)) % s.rewards.length;
      this.render();
      return true;
    }
    if (/^[0-9]$/.test(key)) {
      const score = Number(key);
      if (!s.rewards[this.active]!.scale.includes(score)) return true;
      void this.choose(this.active, score);
      return true;
    }
    return false;
  }
}
