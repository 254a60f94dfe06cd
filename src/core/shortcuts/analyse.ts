// One rollout's shortcut analysis, pure: the trace's claims (claims.ts) checked against
// the cue inventory (claimChecks.ts), what the model was given (sent.ts), what the question needs
// (needed.ts), what the answer depends on (ablations, computed elsewhere and passed in), combined
// per modality (verdict.ts). Every input but the record is optional; a missing one is named in
// the result (inventoryError, ablationNote, the verdict's reason), never filled with a guess.

import { accuracyReward } from '../rewards/accuracy';
import { parseTrace } from '../trace';
import type { RolloutRecord } from '../types';
import { checkClaims, type OnScreenMatcher } from './claimChecks';
import { citedModalities, claimSentences } from './claims';
import { ABLATION_FOR, neededFor } from './needed';
import { modalitySent } from './sent';
import type { AblationResult, ClaimSentence, ClaimedEvidence, CueInventory, ModalityVerdict, NeededJudgement, ShortcutAnalysis, ShortcutModality } from './types';
import { SHORTCUT_MODALITIES } from './types';
import { blindAnswerableFrom, decideVerdict, usedFromAblation } from './verdict';

export interface AnalyseOptions {
  inventory?: CueInventory;
  inventoryError?: string;
  ablations?: AblationResult[];
  ablationNote?: string;
  /** On-screen quote matcher (src/cues `textOnScreen`); a pure fallback is used without one. */
  onScreen?: OnScreenMatcher;
  /** Tagged sentences computed beforehand (e.g. refined by the claim judge); default: the rules. */
  sentences?: ClaimSentence[];
  claimsNote?: string;
  /** The judge's classification of the cues the question needs (neededJudge.ts), computed beforehand. */
  neededJudgement?: NeededJudgement;
  /** Why that classification is missing (failed call, unreadable reply). */
  neededNote?: string;
}

/** The accuracy reward value of the rollout (null when it cannot be computed by rule, e.g. free-form). */
export function accuracyOf(record: RolloutRecord): number | null {
  if (!record.reference.solution) return null;
  try {
    const r = accuracyReward(record.completion, record.reference.solution, record.question.problemType);
    return r.status === 'ok' ? r.value : null;
  } catch {
    return null;
  }
}

/** Right (1), wrong (0), or not decided (partial credit, unscored). */
export function correctOf(acc: number | null): boolean | undefined {
  return acc === 1 ? true : acc === 0 ? false : undefined;
}

/**
 * Cache key of an inventory: "<sha256>-<start>-<end>" (the whole clip as 0 to its duration),
 * seconds rounded to ms — the same key src/cues/text.ts `inventoryKey` names the cache file with
 * (restated so the core does not import src/cues; a unit test checks they agree).
 */
export function inventoryKeyOf(inv: Pick<CueInventory, 'clip' | 'range'>): string {
  const k = (s: number) => String(Math.round(s * 1000) / 1000);
  return `${inv.clip.sha256}-${k(inv.range?.start ?? 0)}-${k(inv.range?.end ?? inv.clip.duration)}`;
}

/** Does the clip have the modality: probed inventory first, then the record, then its data type. */
export function availabilityOf(record: RolloutRecord, inv: CueInventory | undefined, m: ShortcutModality): { available: boolean; from: string } {
  if (inv) return { available: m === 'audio' ? inv.audio.present : inv.visual.present, from: 'probed' };
  const c = record.clip;
  const known = m === 'audio' ? c?.hasAudio : c?.hasVideo;
  if (known !== undefined) return { available: known, from: 'from the record' };
  const dt = c?.dataType?.toLowerCase();
  if (m === 'visual' && dt === 'audio') return { available: false, from: 'the clip is audio only' };
  if (m === 'visual' && (dt === 'video' || dt === 'image')) return { available: true, from: `the clip is ${dt}` };
  if (m === 'audio' && dt === 'image') return { available: false, from: 'the clip is an image' };
  if (m === 'audio' && dt === 'audio') return { available: true, from: 'the clip is audio' };
  return { available: true, from: 'assumed: the streams were not probed' };
}

function claimedFor(sentences: ShortcutAnalysis['sentences'], m: ShortcutModality): ClaimedEvidence {
  const idx: number[] = [];
  sentences.forEach((s, i) => {
    if (citedModalities(s).has(m)) idx.push(i);
  });
  // Findings of the citing sentences, plus misses from any sentence (a denial cites nothing).
  const findings = sentences.flatMap((s, i) => s.checks.filter((c) => c.modality === m && (idx.includes(i) || c.kind.startsWith('missed-'))));
  return { value: idx.length > 0, sentences: idx, findings };
}

export function analyseRollout(record: RolloutRecord, opts: AnalyseOptions = {}): ShortcutAnalysis {
  const inv = opts.inventory;
  const parsed = parseTrace(record.completion);
  let sentences = opts.sentences ?? claimSentences(record.completion, parsed);
  if (inv) sentences = checkClaims(sentences, inv, opts.onScreen);
  const sent = modalitySent(record);
  const ablations = opts.ablations ?? [];
  const correct = correctOf(accuracyOf(record));
  const findings: string[] = [];
  const verdicts = {} as Record<ShortcutModality, ModalityVerdict>;
  for (const m of SHORTCUT_MODALITIES) {
    const avail = availabilityOf(record, inv, m);
    const ab = ablations.find((a) => a.kind === ABLATION_FOR[m]);
    const used =
      ablations.length === 0 && opts.ablationNote ? { value: 'unknown' as const, from: 'none' as const, detail: `ablation signal unavailable: ${opts.ablationNote}` } : usedFromAblation(ab, m);
    const needed = neededFor(record, m, {
      ablation: ab,
      textOnly: ablations.find((a) => a.kind === 'text-only'),
      originalCorrect: correct,
      ...(opts.neededJudgement ? { judged: opts.neededJudgement } : {}),
      ...(opts.neededNote ? { judgeNote: opts.neededNote } : {}),
    });
    const v = decideVerdict({ modality: m, available: avail.available, availableFrom: avail.from, sent: sent[m], needed, used, claimed: claimedFor(sentences, m), correct });
    verdicts[m] = v;
    if (v.verdict === 'not-sent') findings.push(`${m === 'audio' ? 'Audio' : 'Visual'} not sent: the clip has ${m} but the model was never given it (${sent.evidence.join('; ')})`);
  }
  const out: ShortcutAnalysis = {
    version: 1,
    audio: verdicts.audio,
    visual: verdicts.visual,
    blindAnswerable: blindAnswerableFrom(ablations),
    sent,
    findings,
    sentences,
    ablations,
  };
  if (inv) out.inventoryKey = inventoryKeyOf(inv);
  if (opts.inventoryError) out.inventoryError = opts.inventoryError;
  if (opts.ablationNote) out.ablationNote = opts.ablationNote;
  if (opts.claimsNote) out.claimsNote = opts.claimsNote;
  if (opts.neededNote) out.neededNote = opts.neededNote;
  return out;
}
