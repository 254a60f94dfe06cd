// Reward chips: a value styled by its status, opening to the explanation and the trainer's
// quirks. A failure or a reward that was not computed never looks like a real 0.

import type { RewardResult, RewardStatus } from '../../src/core/types';
import { el, formatNumber } from './dom';
import { isJudgeProvenance, judgeDetail } from './judgeDetail';

const STATUS_TEXT: Record<RewardStatus, string> = {
  ok: 'ok',
  'not-computed': 'not computed',
  error: 'error',
  'parse-failure': 'unparsed',
  'call-error': 'call failed',
  'not-applicable': 'n/a',
};

export function statusText(status: RewardStatus): string {
  return STATUS_TEXT[status] ?? status;
}

/** Class describing a value for colouring: pass (1), partial, zero, other scale, or a non-value status. */
export function valueClass(value: number | null, status: RewardStatus): string {
  if (status !== 'ok' || value === null) return `st-${status}`;
  // Outside 0–1 the scale is the file's own (a verl score of 2): no pass/fail colour.
  if (value > 1 || value < 0) return 'v-other';
  if (value >= 0.999) return 'v-pass';
  if (value <= 0) return 'v-zero';
  return 'v-partial';
}

export function valueText(value: number | null, status: RewardStatus): string {
  return status === 'ok' && value !== null ? formatNumber(value) : statusText(status);
}

export interface Chip {
  chip: HTMLButtonElement;
  detail: HTMLElement;
}

/** A chip and its (initially hidden) detail; the caller places both. */
export function rewardChip(name: string, r: RewardResult): Chip {
  const cls = valueClass(r.value, r.status);
  const detail = el('div', { class: 'chip-detail', testid: `chip-detail-${name}`, attrs: { hidden: true } }, [
    el('div', { class: 'chip-detail-title' }, [
      el('span', { class: 'chip-detail-name', text: name }),
      el('span', { class: ['chip-detail-value', cls], text: valueText(r.value, r.status) }),
      r.scale ? el('span', { class: 'muted', text: `scale ${r.scale}` }) : null,
      r.status !== 'ok' ? el('span', { class: 'muted', text: `status: ${r.status}` }) : null,
    ]),
    el('p', { class: 'chip-explanation', text: r.explanation || '(no explanation recorded)' }),
    r.trainerValue !== undefined && (r.status !== 'ok' || r.trainerValue !== r.value)
      ? el('p', { class: 'chip-trainer', text: `The trainer would have recorded ${formatNumber(r.trainerValue)}.` })
      : null,
    r.quirks && r.quirks.length
      ? el('div', { class: 'chip-quirks' }, [
          el('div', { class: 'chip-quirks-title', text: r.quirks.length === 1 ? 'Trainer quirk' : 'Trainer quirks' }),
          el(
            'ul',
            {},
            r.quirks.map((q) => el('li', { text: q })),
          ),
        ])
      : null,
    isJudgeProvenance(r.provenance)
      ? judgeDetail(r.provenance)
      : r.provenance && Object.keys(r.provenance).length
        ? el(
            'dl',
            { class: 'chip-provenance' },
            Object.entries(r.provenance).flatMap(([k, v]) => [el('dt', { text: k }), el('dd', { text: typeof v === 'string' ? v : JSON.stringify(v) })]),
          )
        : null,
  ]);
  const chip = el(
    'button',
    {
      class: ['chip', cls, r.quirks?.length ? 'has-quirks' : null],
      testid: `chip-${name}`,
      attrs: {
        type: 'button',
        'aria-expanded': 'false',
        'data-status': r.status,
        'data-value': r.value === null ? '' : String(r.value),
      },
      title: 'Show why',
    },
    [
      el('span', { class: 'chip-name', text: name }),
      el('span', { class: 'chip-value', text: valueText(r.value, r.status) }),
      r.quirks?.length ? el('span', { class: 'chip-quirk-mark', text: '!', attrs: { 'aria-label': 'has trainer quirks' } }) : null,
    ],
  );
  chip.addEventListener('click', () => {
    const open = chip.getAttribute('aria-expanded') !== 'true';
    chip.setAttribute('aria-expanded', String(open));
    detail.hidden = !open;
  });
  return { chip, detail };
}
