// The evidence behind a judged reward (context, logic, free-form accuracy): the prompt the judge
// saw, its raw reply with the part that was read as the score marked, the criteria it ticked,
// every repeat, and what the call cost. The judge's reply is model output: text nodes only.

import type { JudgeProvenance, JudgeRepeat, ReplySpan } from '../../src/core/judge/types';
import type { CalibrationRecord } from '../../src/core/lab/lab';
import { el, formatNumber } from './dom';

export function isJudgeProvenance(p: unknown): p is JudgeProvenance {
  // A not-applicable result names the judge but made no call (no repeats): it shows as plain provenance.
  return !!p && typeof p === 'object' && (p as { source?: unknown }).source === 'judge' && Array.isArray((p as { repeats?: unknown }).repeats);
}

/** The reply as text with the parsed span wrapped in <mark>, built from text nodes. */
export function markedReply(reply: string, span: ReplySpan | undefined): HTMLElement {
  const pre = el('pre', { class: 'judge-reply', testid: 'judge-reply' });
  if (!span || span.start < 0 || span.end > reply.length || span.start > span.end) {
    pre.textContent = reply;
    return pre;
  }
  pre.append(
    document.createTextNode(reply.slice(0, span.start)),
    el('mark', { class: 'judge-span', testid: 'judge-span', text: reply.slice(span.start, span.end) }),
    document.createTextNode(reply.slice(span.end)),
  );
  return pre;
}

function repeatRow(r: JudgeRepeat): HTMLTableRowElement {
  return el('tr', { class: `st-${r.status}` }, [
    el('td', { text: String(r.index + 1) }),
    el('td', { text: r.status }),
    el('td', { text: r.score === null ? '—' : String(r.score) }),
    el('td', { text: r.latencyMs === null ? '—' : `${Math.round(r.latencyMs)} ms` }),
    el('td', { text: r.cacheHit ? 'cache' : `${r.attempts} attempt${r.attempts === 1 ? '' : 's'}` }),
    el('td', { text: r.error ?? '' }),
  ]);
}

/** Calibration records of the workspace (set from the view's init), newest last. */
let calibrations: CalibrationRecord[] = [];
export function setCalibrations(list: CalibrationRecord[] | undefined): void {
  calibrations = list ?? [];
}

/** How far this judgment's template and model have been checked against human labels. */
export function calibrationNote(p: JudgeProvenance): HTMLElement {
  const mine = calibrations.filter((c) => c.reward === p.reward && (c.variant === p.template.name || c.sha256 === p.template.hash));
  const exact = [...mine].reverse().find((c) => c.sha256 === p.template.hash && c.model === p.model);
  if (exact) {
    const established = exact.n >= 50;
    return el('p', {
      class: ['judge-calibration', established ? 'established' : 'thin'],
      testid: 'judge-calibration',
      text: `Calibrated against ${exact.n} labels: quadratic κ ${exact.qwk === null ? '—' : formatNumber(exact.qwk)}${established ? '' : ' (not established: fewer than 50 labels)'}.`,
    });
  }
  if (mine.length) {
    const last = mine[mine.length - 1]!;
    const why = [last.sha256 !== p.template.hash ? 'the template changed' : '', last.model !== p.model ? 'the judge model changed' : ''].filter(Boolean).join(' and ');
    return el('p', { class: 'judge-calibration stale', testid: 'judge-calibration', text: `Calibration stale: ${why} since it was checked against labels.` });
  }
  return el('p', { class: 'judge-calibration none muted', testid: 'judge-calibration', text: 'Not calibrated against human labels (open the judge lab).' });
}

export function judgeDetail(p: JudgeProvenance): HTMLElement {
  const usage = p.usage?.totalTokens !== undefined ? ` · ${p.usage.totalTokens} tokens` : '';
  const cost = p.cacheHit ? 'from the cache' : `${p.attempts} attempt${p.attempts === 1 ? '' : 's'}`;
  return el('div', { class: 'judge-detail', testid: 'judge-detail' }, [
    el('div', { class: 'judge-meta muted' }, [
      `${p.model} (profile ${p.profile}) · template ${p.template.name} ${p.template.hash.slice(0, 12)} · ` +
        `${p.latencyMs === null ? 'no latency' : `${Math.round(p.latencyMs)} ms`} · ${cost}${usage}`,
    ]),
    p.repeats.length > 1
      ? el('p', {
          class: 'judge-repeats-summary',
          testid: 'judge-repeats-summary',
          text:
            `${p.repeats.length} repeats, ${p.okRepeats} ok` +
            (p.mean !== undefined ? ` · mean ${formatNumber(p.mean)}` : '') +
            (p.spread ? ` · min ${formatNumber(p.spread.min)} max ${formatNumber(p.spread.max)} std ${formatNumber(p.spread.std)}` : ''),
        })
      : null,
    p.criteria?.length
      ? el(
          'ul',
          { class: 'judge-criteria', testid: 'judge-criteria' },
          p.criteria.map((c) =>
            el('li', { class: c.met ? 'met' : 'unmet' }, [
              el('span', { class: 'judge-criterion-mark', text: c.met ? '✓' : '✗' }),
              el('span', { class: 'judge-criterion-name', text: c.name }),
              c.reason ? el('span', { class: 'muted', text: ` — ${c.reason}` }) : null,
            ]),
          ),
        )
      : null,
    calibrationNote(p),
    el('div', { class: 'judge-section-title', text: 'Judge reply' }),
    p.reply === null ? el('p', { class: 'muted', text: 'no reply (the call failed)' }) : markedReply(p.reply, p.span),
    el('details', { class: 'judge-prompt' }, [el('summary', { text: 'Prompt the judge saw' }), el('pre', { testid: 'judge-prompt', text: p.prompt })]),
    p.repeats.length > 1
      ? el('table', { class: 'judge-repeats', testid: 'judge-repeats' }, [
          el('thead', {}, [
            el(
              'tr',
              {},
              ['#', 'status', 'score', 'latency', 'calls', 'error'].map((h) => el('th', { text: h })),
            ),
          ]),
          el('tbody', {}, p.repeats.map(repeatRow)),
        ])
      : null,
  ]);
}
