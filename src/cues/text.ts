// On-screen text as the claim checker needs it: OCR lines merged over time into tracks, and a
// fuzzy "is this quote on screen" lookup. Pure functions over the inventory (no node built-ins,
// no models), so the CLI, the host and the views can all use them.
//
// OCR text is compared after normalisation (NFKC, lowercase, punctuation and symbols dropped)
// and without spaces: PaddleOCR often drops the spaces between large glyphs ("OPEN24HOURS")
// and emits full-width punctuation from its Chinese dictionary. Recognition also slips a
// character now and then (O/0, l/I), so matches allow a small edit distance: none for quotes of
// 1–3 characters (too easy to match by chance), 1 up to 12 characters, 2 beyond. Numbers are
// the exception: every number in the quote must be on screen exactly ("open 25 hours" is not
// "OPEN 24 HOURS", "line 1" is not "line 11"), because a number is often the answer itself;
// only the letters OCR confuses with digits (l, i → 1; o → 0) are read as digits when they
// touch one ("1l" is 11).

import type { CueInventory, TextFrame, TextTrack } from '../core/shortcuts/types';

export function normaliseText(s: string): string {
  return s
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[\p{P}\p{S}]+/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

function compact(s: string): string {
  return normaliseText(s).replace(/ /g, '');
}

/** The numbers in a text, with digit look-alikes next to a digit read as digits. */
function numbersOf(s: string): string[] {
  const fixed = normaliseText(s).replace(/(?<=\d)[lio]+|[lio]+(?=\d)/g, (m) => m.replace(/[li]/g, '1').replace(/o/g, '0'));
  return fixed.match(/\d+/g) ?? [];
}

export function editTolerance(length: number): number {
  return length <= 3 ? 0 : length <= 12 ? 1 : 2;
}

function levenshtein(a: string, b: string, cap = Infinity): number {
  if (Math.abs(a.length - b.length) > cap) return cap + 1;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length]!;
}

/** Smallest edit distance between `needle` and any substring of `hay` (Sellers' algorithm). */
export function substringDistance(needle: string, hay: string): number {
  if (!needle.length) return 0;
  let prev = new Array<number>(hay.length + 1).fill(0);
  for (let i = 1; i <= needle.length; i++) {
    const cur = [i];
    for (let j = 1; j <= hay.length; j++) cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (needle[i - 1] === hay[j - 1] ? 0 : 1));
    prev = cur;
  }
  return Math.min(...prev);
}

/** The same line seen twice, allowing for OCR slips. */
function sameLine(a: string, b: string): boolean {
  if (a === b) return true;
  const tol = editTolerance(Math.min(a.length, b.length));
  return tol > 0 && levenshtein(a, b, tol) <= tol;
}

/**
 * Tracks of on-screen text: each OCR line followed across consecutive sampled frames while the
 * same (normalised) text is there. A track ends one sample interval after the last frame that
 * showed it (the text was on screen at least until the next sample), clamped to the duration.
 * The track's text is its most confident reading.
 */
export function buildTextTracks(frames: TextFrame[], fps: number, duration: number): TextTrack[] {
  const step = fps > 0 ? 1 / fps : 0;
  interface Open {
    key: string;
    start: number;
    last: number;
    lastFrame: number;
    best: { text: string; score: number };
    scores: number[];
  }
  const done: Open[] = [];
  let open: Open[] = [];
  frames.forEach((f, fi) => {
    const next: Open[] = [];
    for (const b of f.boxes) {
      const key = compact(b.text);
      if (!key) continue;
      const i = open.findIndex((o) => o.lastFrame === fi - 1 && sameLine(o.key, key));
      if (i >= 0) {
        const o = open.splice(i, 1)[0]!;
        o.last = f.t;
        o.lastFrame = fi;
        o.scores.push(b.score);
        if (b.score > o.best.score) o.best = { text: b.text, score: b.score };
        next.push(o);
      } else {
        const same = next.find((o) => o.key === key);
        if (same) continue; // the same line twice in one frame: one track
        next.push({ key, start: f.t, last: f.t, lastFrame: fi, best: { text: b.text, score: b.score }, scores: [b.score] });
      }
    }
    done.push(...open);
    open = next;
  });
  done.push(...open);
  const end = (t: number) => Math.round((duration > 0 ? Math.min(duration, t + step) : t + step) * 1000) / 1000;
  return done
    .map((o) => ({ start: o.start, end: Math.max(o.start, end(o.last)), text: o.best.text, score: Math.round((o.scores.reduce((a, s) => a + s, 0) / o.scores.length) * 1000) / 1000 }))
    .sort((a, b) => a.start - b.start || a.text.localeCompare(b.text));
}

/**
 * The on-screen text track that contains `quote` (normalised, spaces ignored, up to 1–2 OCR
 * slips), or undefined. A quote spread over several lines of one frame (a two-line subtitle)
 * matches too: it is returned as a track spanning the frames that show those lines together.
 */
export function textOnScreen(inv: Pick<CueInventory, 'visual' | 'clip'>, quote: string): TextTrack | undefined {
  const q = compact(quote);
  if (!q) return undefined;
  const tol = editTolerance(q.length);
  const numbers = numbersOf(quote);
  let best: { track: TextTrack; d: number } | undefined;
  const consider = (track: TextTrack, text: string) => {
    const hay = compact(text);
    if (hay.length + tol < q.length) return;
    if (numbers.length) {
      const shown = new Set(numbersOf(text));
      if (!numbers.every((n) => shown.has(n))) return;
    }
    const d = substringDistance(q, hay);
    if (d <= tol && (!best || d < best.d || (d === best.d && track.end - track.start > best.track.end - best.track.start))) best = { track, d };
  };
  for (const t of inv.visual.textTracks) consider(t, t.text);
  if (best) return { ...best.track };
  // Lines of one frame read together, in reading order.
  const step = inv.visual.fps > 0 ? 1 / inv.visual.fps : 0;
  const joined = inv.visual.text.map((f) => ({ t: f.t, text: f.boxes.map((b) => b.text).join(' '), score: f.boxes.length ? f.boxes.reduce((a, b) => a + b.score, 0) / f.boxes.length : 0 }));
  for (let i = 0; i < joined.length; i++) {
    const f = joined[i]!;
    let j = i;
    while (j + 1 < joined.length && compact(joined[j + 1]!.text) === compact(f.text)) j++;
    const endT = joined[j]!.t + step;
    consider({ start: f.t, end: Math.round((inv.clip.duration > 0 ? Math.min(inv.clip.duration, endT) : endT) * 1000) / 1000, text: f.text, score: Math.round(f.score * 1000) / 1000 }, f.text);
    i = j;
  }
  // `best` is assigned inside `consider`, which TypeScript's narrowing does not see.
  const found = best as { track: TextTrack; d: number } | undefined;
  return found ? { ...found.track } : undefined;
}

function secondsKey(s: number): string {
  return String(Math.round(s * 1000) / 1000);
}

/**
 * The inventory's identity: content hash and analysed range ("<sha256>-<start>-<end>", the whole
 * clip as 0 to its duration). Names its cache file.
 */
export function inventoryKey(inv: Pick<CueInventory, 'clip' | 'range'>): string {
  const start = inv.range?.start ?? 0;
  const end = inv.range?.end ?? inv.clip.duration;
  return `${inv.clip.sha256}-${secondsKey(start)}-${secondsKey(end)}`;
}
