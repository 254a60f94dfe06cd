// The judge lab view: each variant's figures and its agreement with every labeller (stale
// calibrations and unestablished agreement said so), the variants against each other with what a
// switch does to the training signal, the labellers' own agreement (the ceiling), what to label next.

import type { LabData, LabMethods } from '../../../src/protocol/labView';
import type { RpcClient } from '../rpc';
import { el, formatNumber } from '../dom';
import { errorText } from '../../../src/core/errors';

const f = (x: number | null | undefined, d = 3) => (x === null || x === undefined || !Number.isFinite(x) ? '—' : formatNumber(x, d));

function table(testid: string, head: string[], rows: (string | HTMLElement)[][]): HTMLElement {
  return el('table', { class: 'lab-table', testid }, [
    el('thead', {}, [
      el(
        'tr',
        {},
        head.map((h) => el('th', { text: h })),
      ),
    ]),
    el(
      'tbody',
      {},
      rows.map((r) =>
        el(
          'tr',
          {},
          r.map((c) => (typeof c === 'string' ? el('td', { text: c }) : el('td', {}, [c]))),
        ),
      ),
    ),
  ]);
}

export class LabView {
  constructor(
    private readonly root: HTMLElement,
    private readonly rpc: RpcClient<LabMethods>,
  ) {}

  async start(): Promise<void> {
    let init: { title: string; lab: LabData };
    try {
      init = await this.rpc.request('getLabInit', {});
    } catch (e) {
      this.root.replaceChildren(el('div', { class: 'banner', text: `The lab could not be loaded: ${errorText(e)}` }));
      return;
    }
    const lab = init.lab;
    const stale = lab.calibration.filter((c) => c.stale);
    this.root.replaceChildren(
      el('div', { class: 'lab-view' }, [
        el('header', { class: 'lab-header' }, [
          el('h1', { testid: 'view-title', text: init.title }),
          el('span', { class: 'muted', text: `${lab.reward} · scale ${lab.scale.join(', ')} · ${lab.items.length} items · ${lab.labelled} labelled` }),
        ]),
        stale.length ? el('div', { class: 'banner lab-stale', testid: 'lab-stale', text: `Calibration stale: ${stale.map((c) => `${c.variant} (${c.why})`).join('; ')}` }) : null,
        el('h2', { text: 'Variants' }),
        table(
          'lab-variants',
          ['variant', 'template', 'n', 'mean', 'statuses', 'noise (spread / items changing)'],
          lab.variants.map((v) => [
            v.name,
            v.sha256.slice(0, 12),
            String(v.n),
            f(v.mean),
            Object.entries(v.statuses)
              .map(([k, n]) => `${k} ${n}`)
              .join(', '),
            v.noise ? `${f(v.noise.meanSpread)} / ${f(v.noise.changedShare * 100, 0)}%` : '— (one repeat)',
          ]),
        ),
        el('h2', { text: 'Against the labels' }),
        table(
          'lab-vs-labels',
          ['variant', 'labeller', 'n', 'exact', 'quadratic κ (95% CI)', 'κ', 'Spearman', 'Kendall τb', ''],
          lab.variants.flatMap((v) =>
            v.vsLabels.map((l) => [
              v.name,
              l.labeller,
              String(l.n),
              f(l.exact),
              `${f(l.qwk)}${l.qwkCi95 ? ` [${f(l.qwkCi95[0])}, ${f(l.qwkCi95[1])}]` : ''}`,
              f(l.kappa),
              f(l.spearman),
              f(l.kendall),
              l.established ? 'established' : el('span', { class: 'muted', text: 'not established (under 50 labels)' }),
            ]),
          ),
        ),
        el('h2', { text: 'Between variants' }),
        table(
          'lab-pairs',
          ['a', 'b', 'n', 'Spearman', 'Kendall τb', 'quadratic κ', 'mean b − a', 'changed', 'cross the midpoint', 'groups reordered', 'mean |Δ span adv.|'],
          lab.pairs.map((p) => [
            p.a,
            p.b,
            String(p.n),
            f(p.spearman),
            f(p.kendall),
            f(p.qwk),
            f(p.meanDiff),
            String(p.changed.length),
            String(p.flipsAcrossThreshold.count),
            `${p.trainingImpact.reordered} of ${p.trainingImpact.groups}`,
            f(p.trainingImpact.meanAbsAdvantageChange),
          ]),
        ),
        ...lab.pairs
          .filter((p) => p.diff && p.diff.some((d) => d.op !== ' '))
          .map((p) =>
            el('details', { class: 'lab-diff', testid: 'lab-diff' }, [
              el('summary', { text: `Template diff: ${p.a} → ${p.b}` }),
              el(
                'pre',
                {},
                p.diff!.map((d) => el('span', { class: `diff-${d.op === '+' ? 'add' : d.op === '-' ? 'del' : 'same'}`, text: `${d.op} ${d.text}\n` })),
              ),
            ]),
          ),
        el('h2', { text: 'Between labellers (the ceiling)' }),
        lab.labellers.length
          ? table(
              'lab-labellers',
              ['a', 'b', 'n', 'exact', 'quadratic κ', 'κ'],
              lab.labellers.map((l) => [l.a, l.b, String(l.n), f(l.exact), f(l.qwk), f(l.kappa)]),
            )
          : el('div', { class: 'muted', text: 'One labeller or none: no ceiling measured yet.' }),
        lab.labellerAlpha !== null ? el('div', { testid: 'lab-alpha', text: `Krippendorff's α (ordinal), all labellers: ${f(lab.labellerAlpha)}` }) : null,
        el('h2', { text: 'Label next' }),
        table(
          'lab-queue',
          ['item', 'why'],
          lab.queue.slice(0, 25).map((q) => [q.key.slice(0, 16), q.why]),
        ),
        lab.unknownLabels.length ? el('div', { class: 'muted', text: `${lab.unknownLabels.length} labels name items not in this lab and were left out.` }) : null,
      ]),
    );
  }
}
