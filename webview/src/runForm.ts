// The run form: the clip playing on the left, the fields on the right. Errors show next to their
// fields as the user types (the same rules the host applies on Run, src/core/run/runForm.ts);
// Run submits, Escape or Cancel closes the form. The start/end buttons copy the player's current
// time. Everything shown that came from data (file names, prefilled text) is set as text.

import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import '@vscode-elements/elements/dist/vscode-textarea/index.js';
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-progress-ring/index.js';

import type { RunFormInit, RunFormMethods } from '../../src/protocol/messages';
import { formatClock, suggestProblemType, validateRunForm, type RunFormErrors, type RunFormField, type RunFormValues } from '../../src/core/run/runForm';
import type { RpcClient } from './rpc';
import { custom, el } from './dom';
import { errorText } from '../../src/core/errors';

/** The form element behind each field: vscode-elements controls all expose `value`. */
type Control = HTMLElement & { value: string };

const LABELS: Record<RunFormField, string> = {
  question: 'Question',
  options: 'Options',
  problemType: 'Problem type',
  answer: 'Reference answer',
  referenceContext: 'Reference context',
  start: 'Start',
  end: 'End',
  profile: 'Checkpoint profile',
  judge: 'Judge profile',
  n: 'Samples (n)',
};

const HELP: Partial<Record<RunFormField, string>> = {
  options: 'One per line, or "A. happy | B. sad"; empty for none.',
  problemType: 'Picks the answer instruction and the accuracy rule; suggested from the options.',
  answer: 'Optional: enables the accuracy reward (e.g. B).',
  referenceContext: "Optional: what the clip shows and sounds like, for the judge's context reward. Without it that reward is not computed.",
  start: 'Seconds or mm:ss; empty = from the beginning.',
  end: 'Seconds or mm:ss; empty = to the end.',
  judge: 'Judges each sample as it completes (context, logic, free-form accuracy).',
};

export class RunFormView {
  private init: RunFormInit | undefined;
  private readonly controls = new Map<RunFormField, Control>();
  private readonly errors = new Map<RunFormField | 'clip', HTMLElement>();
  private readonly formError = el('div', { class: 'banner', testid: 'form-error', attrs: { hidden: true, role: 'alert' } });
  private player: HTMLMediaElement | undefined;
  /** Set once the user picks a type: the options then stop suggesting one. */
  private typeTouched = false;
  private nTouched = false;
  private submitting = false;
  /** Errors are shown for a field once it was edited or Run was pressed (not on a fresh form). */
  private readonly shown = new Set<RunFormField>();

  constructor(
    private readonly root: HTMLElement,
    private readonly rpc: RpcClient<RunFormMethods>,
  ) {
    root.replaceChildren(el('div', { class: 'loading-note' }, [custom('vscode-progress-ring'), 'Opening the run form…']));
    // Capture phase: a focused select swallows Escape even when closed; an open one keeps it.
    document.addEventListener(
      'keydown',
      (e) => {
        if (e.key === 'Escape') {
          const openList = e.composedPath().some((n) => n instanceof HTMLElement && n.tagName === 'VSCODE-SINGLE-SELECT' && n.hasAttribute('open'));
          if (openList) return;
          e.preventDefault();
          void this.cancel();
        } else if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
          e.preventDefault();
          void this.submit();
        }
      },
      true,
    );
  }

  async start(): Promise<void> {
    try {
      this.init = await this.rpc.request('getRunForm', {});
    } catch (e) {
      this.root.replaceChildren(el('div', { class: 'banner', testid: 'form-error', text: `The run form could not load: ${errorText(e)}` }));
      return;
    }
    this.render(this.init);
    await Promise.all(['vscode-textfield', 'vscode-textarea', 'vscode-single-select'].map((t) => customElements.whenDefined(t)));
    // Values go in once the controls have upgraded and seen their options.
    await new Promise((r) => requestAnimationFrame(r));
    this.setValues(this.init.values);
    this.root.dataset.ready = 'true';
    this.controls.get('question')?.focus();
  }

  private render(init: RunFormInit): void {
    const clip = init.clip;
    const streams = clip.kind === 'image' ? 'image' : [clip.hasVideo ? 'video' : '', clip.hasAudio ? 'audio' : 'no audio track'].filter(Boolean).join(' + ');
    const length = clip.duration !== undefined && clip.kind !== 'image' ? `${formatClock(clip.duration)} (${clip.duration.toFixed(1)} s)` : '';
    const setStart = custom('vscode-button', { testid: 'set-start', attrs: { secondary: true, title: "Start the range at the player's current time" } }, ['Set start from player']);
    const setEnd = custom('vscode-button', { testid: 'set-end', attrs: { secondary: true, title: "End the range at the player's current time" } }, ['Set end from player']);
    setStart.addEventListener('click', () => this.fromPlayer('start'));
    setEnd.addEventListener('click', () => this.fromPlayer('end'));
    const timeButtons = clip.kind === 'image' ? null : el('div', { class: 'run-form-time-buttons' }, [setStart, setEnd]);

    const run = custom('vscode-button', { testid: 'run-submit', attrs: { title: 'Run the checkpoint (Ctrl+Enter)' } }, ['Run']);
    const cancel = custom('vscode-button', { testid: 'run-cancel', attrs: { secondary: true, title: 'Close without running (Escape)' } }, ['Cancel']);
    run.addEventListener('click', () => void this.submit());
    cancel.addEventListener('click', () => void this.cancel());

    const profileOptions: [string, string][] = init.profiles.map((p) => [p.name, `${p.name} — ${p.model}`]);
    const judgeOptions: [string, string][] = [['', 'none'], ...init.judges.map((j): [string, string] => [j.name, `${j.name} — ${j.model}`])];
    const typeOptions: [string, string][] = init.problemTypes.map((t) => [t, t]);

    this.root.replaceChildren(
      el('div', { class: 'run-form', testid: 'run-form' }, [
        el('header', { class: 'run-form-header' }, [
          el('h1', { testid: 'run-form-title', text: `Run a checkpoint on ${clip.name}` }),
          init.prefilledFrom ? el('span', { class: 'muted', testid: 'prefilled-from', text: `prefilled from ${init.prefilledFrom}` }) : null,
        ]),
        this.formError,
        el('div', { class: 'run-form-body' }, [
          el('section', { class: 'run-form-clip', attrs: { 'aria-label': 'Clip' } }, [
            this.renderPlayer(init),
            el('div', { class: 'media-caption', testid: 'clip-caption', text: [clip.path, streams, length].filter(Boolean).join(' · ') }),
            timeButtons,
            this.errorNode('clip'),
          ]),
          el('form', { class: 'run-form-fields', attrs: { novalidate: true, 'aria-label': 'Run settings' } }, [
            this.field('question', this.textarea('question', 3, 'What is the woman feeling?')),
            this.field('options', this.textarea('options', 3, 'A. happy\nB. sad')),
            this.field('problemType', this.select('problemType', typeOptions)),
            this.field('answer', this.textfield('answer', 'B')),
            this.field('referenceContext', this.textarea('referenceContext', 3, '')),
            clip.kind === 'image' ? null : el('div', { class: 'run-form-row' }, [this.field('start', this.textfield('start', '0:05')), this.field('end', this.textfield('end', '0:12'))]),
            el('div', { class: 'run-form-row' }, [
              this.field('profile', this.select('profile', profileOptions)),
              this.field('judge', this.select('judge', judgeOptions)),
              this.field('n', this.textfield('n', '1')),
            ]),
            el('div', { class: 'run-form-actions' }, [run, cancel]),
          ]),
        ]),
      ]),
    );
    this.root.querySelector('form')!.addEventListener('submit', (e) => {
      e.preventDefault();
      void this.submit();
    });
  }

  private renderPlayer(init: RunFormInit): HTMLElement {
    const clip = init.clip;
    const wrap = el('div', { class: 'media', testid: 'run-form-player' });
    if (clip.kind === 'image') {
      const img = el('img', { class: 'media-image', attrs: { alt: clip.name } });
      img.src = clip.src;
      wrap.appendChild(img);
      return wrap;
    }
    const m = clip.kind === 'audio' ? el('audio', { class: 'media-audio' }) : el('video', { class: 'media-video' });
    m.controls = true;
    m.preload = 'metadata';
    m.src = clip.src;
    m.addEventListener('error', () => this.showError('clip', 'The clip cannot play in this view; the run can still use it.'));
    this.player = m;
    wrap.appendChild(m);
    return wrap;
  }

  private field(name: RunFormField, control: Control): HTMLElement {
    const id = `run-form-${name}`;
    control.id = id;
    control.setAttribute('aria-describedby', `${id}-error`);
    return el('div', { class: 'field', attrs: { 'data-field': name } }, [
      el('label', { class: 'field-label', text: LABELS[name], attrs: { for: id } }),
      control,
      HELP[name] ? el('div', { class: 'field-help muted', text: HELP[name] }) : null,
      this.errorNode(name, `${id}-error`),
    ]);
  }

  private errorNode(name: RunFormField | 'clip', id?: string): HTMLElement {
    const node = el('div', { class: 'field-error', testid: `error-${name}`, attrs: { hidden: true, role: 'alert', ...(id ? { id } : {}) } });
    this.errors.set(name, node);
    return node;
  }

  private textfield(name: RunFormField, placeholder: string): Control {
    return this.control(name, custom<Control>('vscode-textfield', { testid: `field-${name}`, attrs: { placeholder } }), 'input');
  }

  private textarea(name: RunFormField, rows: number, placeholder: string): Control {
    return this.control(name, custom<Control>('vscode-textarea', { testid: `field-${name}`, attrs: { rows, placeholder, resize: 'vertical' } }), 'input');
  }

  private select(name: RunFormField, options: [string, string][]): Control {
    const s = custom<Control>(
      'vscode-single-select',
      { testid: `field-${name}` },
      options.map(([value, label]) => custom('vscode-option', { attrs: { value }, text: label })),
    );
    return this.control(name, s, 'change');
  }

  private control(name: RunFormField, c: Control, event: string): Control {
    this.controls.set(name, c);
    c.addEventListener(event, () => this.changed(name));
    return c;
  }

  private setValues(v: RunFormValues): void {
    for (const [name, c] of this.controls) c.value = v[name];
  }

  values(): RunFormValues {
    const get = (f: RunFormField) => this.controls.get(f)?.value ?? '';
    return {
      question: get('question'),
      options: get('options'),
      problemType: get('problemType'),
      answer: get('answer'),
      referenceContext: get('referenceContext'),
      start: get('start'),
      end: get('end'),
      profile: get('profile'),
      judge: get('judge'),
      n: get('n'),
    };
  }

  private changed(name: RunFormField): void {
    if (!this.init || this.root.dataset.ready !== 'true') return;
    this.shown.add(name);
    if (name === 'problemType') this.typeTouched = true;
    if (name === 'n') this.nTouched = true;
    if (name === 'options' && !this.typeTouched) {
      const suggested = suggestProblemType(this.controls.get('options')!.value);
      const type = this.controls.get('problemType')!;
      if (this.init.problemTypes.includes(suggested) && type.value !== suggested) type.value = suggested;
    }
    if (name === 'profile' && !this.nTouched) {
      const p = this.init.profiles.find((x) => x.name === this.controls.get('profile')!.value);
      if (p) this.controls.get('n')!.value = String(p.n);
    }
    // A range error belongs to both ends: editing one re-checks the other.
    if (name === 'start' || name === 'end') this.shown.add(name === 'start' ? 'end' : 'start');
    this.showErrors(this.validate(), false);
  }

  private validate(): RunFormErrors {
    const init = this.init!;
    const r = validateRunForm(this.values(), {
      profiles: init.profiles.map((p) => p.name),
      judges: init.judges.map((j) => j.name),
      problemTypes: init.problemTypes,
      duration: init.clip.duration,
      isImage: init.clip.kind === 'image',
    });
    return r.ok ? {} : r.errors;
  }

  /** Shows the errors of the fields the user has touched (all of them when `all`). */
  private showErrors(errors: RunFormErrors, all: boolean): void {
    for (const [name, _node] of this.errors) {
      if (name === 'clip') continue;
      const text = all || this.shown.has(name) ? errors[name] : undefined;
      this.showError(name, text);
    }
  }

  private showError(name: RunFormField | 'clip', text: string | undefined): void {
    const node = this.errors.get(name);
    if (!node) return;
    node.textContent = text ?? '';
    node.hidden = !text;
    const field = node.closest('.field');
    field?.classList.toggle('invalid', !!text);
    this.controls.get(name as RunFormField)?.toggleAttribute('invalid', !!text);
  }

  private fromPlayer(which: 'start' | 'end'): void {
    if (!this.player) return;
    const c = this.controls.get(which);
    if (!c) return;
    c.value = formatClock(this.player.currentTime);
    this.changed(which);
  }

  private async submit(): Promise<void> {
    if (!this.init || this.submitting) return;
    const errors = this.validate();
    for (const f of Object.keys(LABELS) as RunFormField[]) this.shown.add(f);
    this.showErrors(errors, true);
    if (Object.keys(errors).length) {
      this.focusFirstError(errors);
      return;
    }
    this.submitting = true;
    this.formError.hidden = true;
    try {
      const r = await this.rpc.request('submitRunForm', { values: this.values() });
      if (!r.accepted) {
        this.showErrors(r.errors, true);
        if (r.errors.clip) this.showError('clip', r.errors.clip);
        this.focusFirstError(r.errors);
      }
    } catch (e) {
      this.formError.textContent = `Could not start the run: ${errorText(e)}`;
      this.formError.hidden = false;
    } finally {
      this.submitting = false;
    }
  }

  private focusFirstError(errors: RunFormErrors): void {
    const first = (Object.keys(LABELS) as RunFormField[]).find((f) => errors[f]);
    if (first) this.controls.get(first)?.focus();
  }

  private async cancel(): Promise<void> {
    try {
      await this.rpc.request('cancelRunForm', {});
    } catch {
      // The panel is closing anyway.
    }
  }
}
