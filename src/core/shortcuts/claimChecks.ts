// Claim checks: each tagged sentence against the clip's cue inventory. The tagger says
// what a sentence claims; the inventory says what the clip holds; a check says whether they
// agree, with the time spans that support or contradict the claim. Pure.
//
// Rules (one finding per rule that fires):
// - said/heard with a quoted span that OCR found on screen → quote-is-on-screen (read, not heard);
//   without quotes, the same when an on-screen text (3+ characters) stands in the sentence as
//   whole words; a quote in a said sentence matching nothing on screen → quote-unverified (no ASR here).
// - heard/said on a clip without an audio stream → hallucinated-audio; said when VAD found no
//   speech → hallucinated-audio; heard when the stream holds neither speech nor loud sound →
//   hallucinated-audio.
// - the trace denies speech ("no one speaks") or sound in general ("no audio", "silent") while VAD
//   found speech → missed-audio. Denying one kind of sound ("there is no music") is not a miss:
//   the inventory cannot tell music from other sound.
// - read with no OCR text → hallucinated-text; "no text on screen" with OCR text → missed-text.
// - seen/read on a clip without a video stream → hallucinated-visual.
// - anything else that the inventory covers → confirmed, with its spans.
// A modality whose analysis failed (AudioCues.error / VisualCues.error) gets no checks: a failed
// analysis is not evidence of absence.

import { claimsKind, deniesKind, quotesOf } from './claims';
import type { ClaimCheck, ClaimSentence, CueInventory, TextTrack, TimeSpan } from './types';

/** Finds the on-screen text track showing a quote (src/cues/inventory.ts `textOnScreen` has this shape). */
export type OnScreenMatcher = (inv: CueInventory, quote: string) => TextTrack | undefined;

function norm(s: string): string {
  return s
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

/**
 * Pure fallback matcher: the normalised quote inside a track's normalised text (or the track
 * inside the quote, for subtitles split over frames), or ≥ 80 % of the quote's words on one track.
 */
export const matchQuoteOnScreen: OnScreenMatcher = (inv, quote) => {
  const q = norm(quote);
  if (q.length < 2) return undefined;
  const qWords = q.split(' ');
  let best: { track: TextTrack; score: number } | undefined;
  for (const t of inv.visual.textTracks) {
    const tt = norm(t.text);
    if (!tt) continue;
    let score = 0;
    if (` ${tt} `.includes(` ${q} `)) score = 1;
    else if (tt.length >= 3 && ` ${q} `.includes(` ${tt} `)) score = 0.9;
    else {
      const words = new Set(tt.split(' '));
      score = qWords.filter((w) => words.has(w)).length / qWords.length;
      if (score < 0.8) score = 0;
    }
    if (score > 0 && (!best || score > best.score)) best = { track: t, score };
  }
  return best?.track;
};

const spanOf = (s: TimeSpan): TimeSpan => ({ start: s.start, end: s.end });
const whole = (inv: CueInventory): TimeSpan[] => [{ start: 0, end: inv.range ? inv.range.end - inv.range.start : inv.clip.duration }];

/** Denial of sound in general ("no audio", "silent", "nothing can be heard"), not of one kind of sound. */
const GENERAL_SILENCE_RE = /\b(?:audio|sound(?:s)?|silent|silence|muted|mute|soundless|inaudible|hear(?:d)? (?:anything|nothing)|nothing (?:is |can be )?heard|no one speaks|nobody speaks)\b/i;

export function checkSentence(s: ClaimSentence, inv: CueInventory, onScreen: OnScreenMatcher = matchQuoteOnScreen): ClaimCheck[] {
  const out: ClaimCheck[] = [];
  const a = inv.audio;
  const v = inv.visual;
  const audioOk = !a.error;
  const visualOk = !v.error;
  const heard = claimsKind(s, 'heard');
  const said = claimsKind(s, 'said');
  const speechSpans = a.speech.map(spanOf);

  // Quotes in a speech/hearing sentence: read or heard? Unquoted, an on-screen text's words
  // standing in the sentence count too ("the word SEVEN"): the tagger may have heard them.
  let quoteOnScreen = false;
  if ((said || heard) && visualOk && v.present) {
    const quotes = quotesOf(s.text);
    if (quotes.length === 0) {
      const words = ` ${norm(s.text)} `;
      const track = v.textTracks.find((t) => norm(t.text).length >= 3 && words.includes(` ${norm(t.text)} `));
      if (track) {
        quoteOnScreen = true;
        out.push({ kind: 'quote-is-on-screen', modality: 'visual', message: `“${track.text}” is on screen: it can be read, not only heard`, spans: [spanOf(track)] });
      }
    }
    for (const q of quotes) {
      const track = onScreen(inv, q);
      if (track) {
        quoteOnScreen = true;
        out.push({ kind: 'quote-is-on-screen', modality: 'visual', message: `“${q}” is on screen (“${track.text}”): it can be read, not only heard`, spans: [spanOf(track)] });
      } else if (said) {
        out.push({
          kind: 'quote-unverified',
          modality: 'audio',
          message: `“${q}” is not on screen; the words cannot be confirmed without a transcript`,
          ...(speechSpans.length ? { spans: speechSpans } : {}),
        });
      }
    }
  }

  if ((heard || said) && audioOk) {
    if (!a.present) {
      out.push({ kind: 'hallucinated-audio', modality: 'audio', message: 'the trace cites audio but the clip has no audio stream' });
    } else if (said && a.speech.length === 0) {
      out.push({ kind: 'hallucinated-audio', modality: 'audio', message: `the trace cites speech but no speech was detected${quoteOnScreen ? ' (the quoted words are on screen)' : ''}` });
    } else if (heard && !said && a.speech.length === 0 && a.sounds.length === 0) {
      out.push({ kind: 'hallucinated-audio', modality: 'audio', message: 'the trace cites sound but the audio holds neither speech nor loud sound' });
    } else {
      const spans = said ? speechSpans : [...speechSpans, ...a.sounds.map(spanOf)].sort((x, y) => x.start - y.start);
      out.push({
        kind: 'confirmed',
        modality: 'audio',
        message: said ? `speech detected (${a.speechSeconds.toFixed(1)} s)` : `sound detected (${(a.speechSeconds + a.soundSeconds).toFixed(1)} s)`,
        spans,
      });
    }
  }

  if (audioOk && a.present && a.speech.length > 0) {
    const deniesSpeech = deniesKind(s, 'said');
    const deniesSound = deniesKind(s, 'heard') && GENERAL_SILENCE_RE.test(s.text);
    if (deniesSpeech || deniesSound) {
      out.push({
        kind: 'missed-audio',
        modality: 'audio',
        message: `the trace says there is no ${deniesSpeech ? 'speech' : 'audio'}, but speech was detected (${a.speechSeconds.toFixed(1)} s)`,
        spans: speechSpans,
      });
    }
  }

  const seen = claimsKind(s, 'seen');
  const read = claimsKind(s, 'read');
  if ((seen || read) && visualOk) {
    if (!v.present) {
      out.push({ kind: 'hallucinated-visual', modality: 'visual', message: 'the trace cites something seen but the clip has no video stream' });
    } else if (read) {
      if (v.textTracks.length === 0) out.push({ kind: 'hallucinated-text', modality: 'visual', message: 'the trace cites on-screen text but none was found' });
      else
        out.push({
          kind: 'confirmed',
          modality: 'visual',
          message: `on-screen text found (${v.textTracks
            .map((t) => `“${t.text}”`)
            .slice(0, 3)
            .join(', ')})`,
          spans: v.textTracks.map(spanOf),
        });
    } else {
      out.push({ kind: 'confirmed', modality: 'visual', message: 'the clip has a picture', spans: whole(inv) });
    }
  }
  if (visualOk && v.present && v.textTracks.length > 0 && deniesKind(s, 'read')) {
    out.push({
      kind: 'missed-text',
      modality: 'visual',
      message: `the trace says there is no text on screen, but OCR found ${v.textTracks
        .map((t) => `“${t.text}”`)
        .slice(0, 3)
        .join(', ')}`,
      spans: v.textTracks.map(spanOf),
    });
  }
  return out;
}

/** Fills `checks` of every sentence (returns new sentences). */
export function checkClaims(sentences: ClaimSentence[], inv: CueInventory, onScreen?: OnScreenMatcher): ClaimSentence[] {
  return sentences.map((s) => ({ ...s, checks: checkSentence(s, inv, onScreen) }));
}
