// Shortcut detection: the data contract shared by cue extraction (src/cues), claim
// analysis, ablations, the verdict, the CLI, the sidecar files and the views. Pure data,
// JSON-serialisable; no node built-ins, no DOM, no vscode.
//
// Each analysis step reports failure as what it is (an `error` string on the part that failed),
// never as an empty result: "no speech found" and "VAD could not run" are different facts.

// ---------------------------------------------------------------------------------------------
// What the clip contains (computed locally, cached per clip content hash under
// .omnitrace/cues/<sha256>-<range>.json).

export interface TimeSpan {
  /** Seconds from the start of the analysed range. */
  start: number;
  end: number;
}

export interface SpeechSegment extends TimeSpan {
  /** Mean Silero speech probability over the segment. */
  prob: number;
}

export interface SoundSegment extends TimeSpan {
  /** Mean loudness over the segment, dBFS (RMS). */
  db: number;
}

export interface TextBox {
  /** Normalised [x0, y0, x1, y1] in 0..1 of the frame. */
  box: [number, number, number, number];
  text: string;
  /** Mean recognition confidence 0..1. */
  score: number;
}

export interface TextFrame {
  /** Seconds of the sampled frame. */
  t: number;
  boxes: TextBox[];
}

/** A run of identical (normalised) on-screen text across consecutive sampled frames. */
export interface TextTrack extends TimeSpan {
  text: string;
  score: number;
}

export interface AudioCues {
  /** The clip has an audio stream. */
  present: boolean;
  speech: SpeechSegment[];
  speechSeconds: number;
  /** Loud stretches outside speech: music, knocks, doorbells… */
  sounds: SoundSegment[];
  soundSeconds: number;
  silenceSeconds: number;
  /** Loudness envelope, one value per `envelopeStep` seconds (dBFS, floor -90), for the timeline. */
  envelope: number[];
  envelopeStep: number;
  /** Set when the stream exists but could not be analysed (decode or model failure). */
  error?: string;
}

export interface VisualCues {
  /** The clip has a video stream (or is an image). */
  present: boolean;
  /** Sampling rate of the analysed frames. */
  fps: number;
  text: TextFrame[];
  textTracks: TextTrack[];
  /** Mean absolute frame difference (0..1) between consecutive sampled frames, one per frame after the first. */
  motion: number[];
  /** Seconds where the picture changes abruptly. */
  sceneChanges: number[];
  /** Nearly nothing moves (a slide, a still). */
  isStatic: boolean;
  error?: string;
}

export interface CueInventory {
  version: 1;
  clip: {
    path: string;
    sha256: string;
    duration: number;
    hasAudio: boolean;
    hasVideo: boolean;
    width?: number;
    height?: number;
  };
  /** The analysed range in the clip's own seconds (absent: the whole clip). */
  range?: { start: number; end: number };
  audio: AudioCues;
  visual: VisualCues;
  /** Which models produced it (file names and sizes), so a cache from another model is not reused. */
  models: { vad: string; ocrDetection: string; ocrRecognition: string };
  /** Wall-clock seconds spent per stage. */
  timings: Record<string, number>;
  createdAt: string;
}

/** Cue labels a dataset carries per sample (e.g. lists of visual and audio clues). */
export interface DatasetCueLabels {
  visual?: string[];
  audio?: string[];
  speech?: string[];
  text?: string[];
}

// ---------------------------------------------------------------------------------------------
// What the trace claims.

/** Sentence tags of the shortcut analysis (they extend the modality colouring's visual/audio/speech/text). */
export type ClaimKind = 'seen' | 'heard' | 'said' | 'read' | 'inferred' | 'none';

/** The two modalities a verdict is given for: audio covers heard + said, visual covers seen + read. */
export type ShortcutModality = 'audio' | 'visual';
export const SHORTCUT_MODALITIES: readonly ShortcutModality[] = ['audio', 'visual'];

export interface ClaimSentence {
  section: 'context' | 'think';
  /** Offsets in the completion. */
  start: number;
  end: number;
  text: string;
  kinds: ClaimKind[];
  /** Per kind, whether the sentence only claims its absence ("there is no music"). */
  negated: Partial<Record<ClaimKind, boolean>>;
  /** How the tags were decided. */
  source: 'rules' | 'judge';
  /** Checks of this sentence against the cue inventory. */
  checks: ClaimCheck[];
}

export type ClaimCheckKind =
  /** A quote said to be heard is on screen: it is read, not heard. */
  | 'quote-is-on-screen'
  /** A quote said to be heard matches nothing on screen (cannot be confirmed without ASR). */
  | 'quote-unverified'
  /** Audio claimed but the clip has no audio stream, or no speech when speech is claimed. */
  | 'hallucinated-audio'
  /** On-screen text claimed but OCR found none. */
  | 'hallucinated-text'
  /** Visual claimed but the clip has no video stream. */
  | 'hallucinated-visual'
  /** The trace says there is no audio / no speech, but there is. */
  | 'missed-audio'
  /** The trace says there is no text on screen, but OCR found some. */
  | 'missed-text'
  /** The claim agrees with the inventory. */
  | 'confirmed';

export interface ClaimCheck {
  kind: ClaimCheckKind;
  modality: ShortcutModality;
  message: string;
  /** Time spans of the inventory that support or contradict the claim. */
  spans?: TimeSpan[];
}

// ---------------------------------------------------------------------------------------------
// Whether the model was given each modality.

export interface ModalitySent {
  audio: boolean | 'unknown';
  visual: boolean | 'unknown';
  /** Where this was read from: the saved request of a run, or the logged prompt of a training dump. */
  from: 'run-request' | 'logged-prompt' | 'unknown';
  evidence: string[];
}

// ---------------------------------------------------------------------------------------------
// Whether the answer depends on it: ablations against the checkpoint's endpoint.

export type AblationKind = 'no-audio' | 'no-video' | 'text-only';
export const ABLATION_KINDS: readonly AblationKind[] = ['no-audio', 'no-video', 'text-only'];

export interface AblationSample {
  /** The extracted answer (same extraction as the accuracy reward), or null when none. */
  answer: string | null;
  completion: string;
  /** The answer equals the original rollout's answer (normalised like the accuracy reward). */
  same: boolean;
  /** Equals the reference answer, when there is one. */
  correct?: boolean;
}

/**
 * The noise baseline of sampled ablations: the same question with ALL media, sampled k times at
 * the same settings (one request, n = k), once per rollout and shared by every ablation kind of
 * it. Its change rate is how often the model departs from its own original answer when nothing
 * is removed — the sampling noise an ablation's change rate is measured against.
 */
export interface AblationBaseline {
  samples: AblationSample[];
  /** Fraction of the baseline samples whose answer differs from the original. */
  changeRate: number;
  /** The saved baseline run (kind 'full'), viewable like any run. */
  runFile?: string;
  /** E.g. the server returned fewer samples than asked. */
  note?: string;
}

export interface AblationResult {
  kind: AblationKind;
  /** 'sampled': k samples; 'logprob': forced continuation scored with prompt_logprobs; 'failed': see error. */
  method: 'sampled' | 'logprob' | 'failed';
  samples: AblationSample[];
  /** Fraction of samples whose answer differs from the original. */
  changeRate?: number;
  /** Log-probability of the original answer tokens: with all media, and under this ablation. */
  logprob?: { full: number; ablated: number; delta: number; tokens: number };
  /** The saved ablation run (rollout records), viewable like any run. */
  runFile?: string;
  /** Why the logprob method was not used, or why the ablation failed. */
  note?: string;
  error?: string;
  /**
   * Sampled only: the all-media baseline of the rollout (the same object on every kind, so each
   * result carries its own evidence). Absent in logprob mode and in files written before it.
   */
  baseline?: AblationBaseline;
  /** Sampled only: why there is no baseline (its request failed); "used" then falls back to the change rate alone. */
  baselineError?: string;
}

// ---------------------------------------------------------------------------------------------
// The verdict, per modality.

export type Verdict =
  | 'grounded' // used and cited
  | 'ignored' // needed, not used, not cited: a shortcut (only when "needed" is established)
  | 'decorative' // cited, but the answer does not depend on it (or the cited cue is not in the clip)
  | 'unspoken' // used, never cited
  | 'unused' // not used, not cited, not shown to be needed: nothing to flag
  | 'not-applicable' // the modality is absent from the clip
  | 'not-sent' // present in the clip but never given to the model: reported before anything else
  | 'undetermined'; // not enough signal to say

export type Confidence = 'high' | 'medium' | 'low';

/** A judge's classification of the cues a question's answer rests on (neededJudge.ts). */
export type NeededClass = 'audio' | 'visual' | 'both' | 'neither' | 'unsure';

export interface NeededJudgement {
  needed: NeededClass;
  /** The judge's one-sentence reason. */
  reason: string;
}

export interface NeededEvidence {
  value: boolean | 'unknown';
  from: 'dataset-labels' | 'reference-context' | 'judge' | 'ablation' | 'none';
  detail: string;
}

export interface UsedEvidence {
  value: boolean | 'unknown';
  from: 'ablation-logprob' | 'ablation-sampled' | 'none';
  detail: string;
  ablation?: AblationResult;
}

export interface ClaimedEvidence {
  value: boolean;
  /** Sentences citing the modality positively (indices into ShortcutAnalysis.sentences). */
  sentences: number[];
  /** Claim-check findings for this modality. */
  findings: ClaimCheck[];
}

export interface ModalityVerdict {
  modality: ShortcutModality;
  verdict: Verdict;
  available: boolean;
  needed: NeededEvidence;
  used: UsedEvidence;
  claimed: ClaimedEvidence;
  confidence: Confidence;
  /** One line a researcher reads first: why this verdict. */
  reason: string;
}

/** Per rollout: the `shortcut` field of `omnitrace shortcuts` output and of the sidecar. */
export interface ShortcutAnalysis {
  version: 1;
  audio: ModalityVerdict;
  visual: ModalityVerdict;
  /** Text alone already gives the same answer (text-only ablation), or unknown without it. */
  blindAnswerable: boolean | 'unknown';
  sent: ModalitySent;
  /** Findings reported before anything else (a modality present but never sent). */
  findings: string[];
  sentences: ClaimSentence[];
  /** Why the optional judge classification of unplaced sentences did not apply (call failed, unreadable reply). */
  claimsNote?: string;
  /** Why the optional judge classification of "needed" did not apply (call failed, unreadable reply). */
  neededNote?: string;
  /** Key of the cue inventory used (clip sha256 + range), when there was one. */
  inventoryKey?: string;
  /** Why the inventory is missing (clip not found, ffmpeg missing…). */
  inventoryError?: string;
  ablations: AblationResult[];
  /** Why ablations did not run (no endpoint given, untrusted workspace, …). */
  ablationNote?: string;
}

// ---------------------------------------------------------------------------------------------
// Files and aggregates.

/** One line of `omnitrace shortcuts --out` and of the sidecar .omnitrace/shortcuts/<name>.jsonl. */
export interface ShortcutLine {
  index: number;
  id?: string;
  source: { file: string; line?: number };
  problemType?: string;
  checkpoint?: string;
  /** The rollout's accuracy reward value when computed (for "right for the wrong reasons"). */
  accuracy?: number | null;
  shortcut?: ShortcutAnalysis;
  /** The analysis of this rollout failed as a whole (the others are kept). */
  error?: string;
}

export interface VerdictCounts {
  total: number;
  byVerdict: Partial<Record<Verdict, number>>;
  /** ignored / (rollouts where the modality is available and a verdict other than undetermined/not-applicable was reached). */
  shortcutRate: number | null;
}

export interface ShortcutSummary {
  rollouts: number;
  failed: number;
  perModality: Record<ShortcutModality, VerdictCounts>;
  perProblemType: Record<string, Record<ShortcutModality, VerdictCounts>>;
  perCheckpoint: Record<string, Record<ShortcutModality, VerdictCounts>>;
  /** Correct answers (accuracy 1) with an 'ignored' verdict on some modality. */
  rightForWrongReasons: { count: number; of: number; indices: number[] };
  blindAnswerable: { yes: number; no: number; unknown: number };
  notSent: { audio: number; visual: number };
  /**
   * Audio vs visual reliance per rollout where both were measured, for the scatter: change rate
   * above the noise baseline, or normalised logprob drop, 0..1 (first MAX_RELIANCE_POINTS only).
   */
  reliance: { index: number; audio: number | null; visual: number | null; correct?: boolean; problemType?: string; checkpoint?: string }[];
  /** Measured rollouts left out of `reliance` by the cap. */
  relianceOmitted?: number;
}
