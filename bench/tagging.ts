// The sentence tagger measured on its own (issue 14): hand-labelled sentences in the style of
// HumanOmniV2 reference contexts (bench/labelled/*.tsv; see its header for how it was labelled)
// against the kinds src/core/shortcuts/claims.ts gives each one: seen, heard,
// said, read (a denial counts: it cites the modality). Per tag: precision, recall and F1
// (aim ≥ 0.9 each), and the sentences it got wrong. Used by bench/shortcuts.ts.

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { claimKindsOf } from '../src/core/shortcuts/claims';

const TAGS = ['seen', 'heard', 'said', 'read'] as const;
type Tag = (typeof TAGS)[number];

export interface LabelledSentence {
  file: string;
  line: number;
  labels: Set<Tag>;
  text: string;
}

export function readLabelled(dir = join(import.meta.dirname, 'labelled')): LabelledSentence[] {
  const out: LabelledSentence[] = [];
  for (const f of readdirSync(dir)
    .filter((n) => n.endsWith('.tsv'))
    .sort()) {
    readFileSync(join(dir, f), 'utf8')
      .split('\n')
      .forEach((raw, i) => {
        if (!raw.trim() || raw.startsWith('#')) return;
        const tab = raw.indexOf('\t');
        if (tab < 0) throw new Error(`${f}:${i + 1}: no tab between labels and sentence`);
        const names = raw
          .slice(0, tab)
          .split(',')
          .map((x) => x.trim());
        for (const n of names) if (n !== 'none' && !TAGS.includes(n as Tag)) throw new Error(`${f}:${i + 1}: unknown label '${n}'`);
        out.push({ file: f, line: i + 1, labels: new Set(names.filter((n): n is Tag => n !== 'none')), text: raw.slice(tab + 1).trim() });
      });
  }
  return out;
}

const round = (x: number) => Math.round(x * 1000) / 1000;

export function taggingBench() {
  const rows = readLabelled();
  const perTag: Record<string, unknown> = {};
  const mistakes: string[] = [];
  const predicted = rows.map((r) => new Set(claimKindsOf(r.text).kinds.filter((k): k is Tag => (TAGS as readonly string[]).includes(k))));
  for (const tag of TAGS) {
    let tp = 0;
    let fp = 0;
    let fn = 0;
    rows.forEach((r, i) => {
      const p = predicted[i]!.has(tag);
      const t = r.labels.has(tag);
      if (p && t) tp++;
      else if (p) fp++;
      else if (t) fn++;
    });
    const precision = tp + fp ? tp / (tp + fp) : null;
    const recall = tp + fn ? tp / (tp + fn) : null;
    const f1 = precision !== null && recall !== null && precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : null;
    perTag[tag] = { precision: precision === null ? null : round(precision), recall: recall === null ? null : round(recall), f1: f1 === null ? null : round(f1), tp, fp, fn, labelled: tp + fn };
  }
  rows.forEach((r, i) => {
    const want = [...r.labels].sort().join(',') || 'none';
    const got = [...predicted[i]!].sort().join(',') || 'none';
    if (want !== got) mistakes.push(`${r.file}:${r.line} want ${want}, got ${got}: ${r.text}`);
  });
  const exact = rows.length - mistakes.length;
  return { sentences: rows.length, exactMatch: round(exact / rows.length), perTag, mistakes };
}
