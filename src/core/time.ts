// Clip times as users type them: plain seconds ("12.5") or clock form ("mm:ss", "mm:ss.ms",
// "hh:mm:ss(.ms)"); and seek times as ffmpeg reads them (always with a leading zero).

/** Parses seconds or mm:ss(.ms) / hh:mm:ss(.ms); throws an Error naming the bad value. */
export function parseTime(text: string): number {
  const s = text.trim();
  const bad = () => new Error(`'${text}' is not a time: use seconds (12.5) or mm:ss(.ms) / hh:mm:ss(.ms)`);
  if (s === '') throw bad();
  if (/^\d+(\.\d+)?$/.test(s) || /^\.\d+$/.test(s)) return Number(s);
  const m = /^(?:(\d+):)?(\d{1,2}):(\d{1,2}(?:\.\d+)?)$/.exec(s);
  if (!m) throw bad();
  const h = m[1] !== undefined ? Number(m[1]) : 0;
  const min = Number(m[2]);
  const sec = Number(m[3]);
  if (sec >= 60 || (m[1] !== undefined && min >= 60)) throw bad();
  return h * 3600 + min * 60 + sec;
}

/** Seconds as ffmpeg's -ss/-t want them: fixed notation with a leading zero ("0.375", never ".375"). */
export function ffmpegTime(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) throw new Error(`invalid time ${seconds}`);
  const t = seconds.toFixed(3).replace(/0+$/, '').replace(/\.$/, '');
  return t.startsWith('.') ? '0' + t : t;
}

/**
 * A range as typed in the editor: "" (the whole clip), "start-end", "start-" or "-end", each
 * side seconds or mm:ss(.ms). Throws an Error saying what is wrong.
 */
export function parseTimeRange(text: string): { start?: number; end?: number } {
  const s = text.trim();
  if (s === '') return {};
  const m = /^([^-]*)-([^-]*)$/.exec(s);
  if (!m) throw new Error(`'${text}' is not a range: use start-end in seconds or mm:ss (e.g. 1:05-1:20 or 3.5-8)`);
  const start = m[1]!.trim() ? parseTime(m[1]!) : undefined;
  const end = m[2]!.trim() ? parseTime(m[2]!) : undefined;
  if (start === undefined && end === undefined) throw new Error('give a start, an end, or both');
  if (start !== undefined && end !== undefined && end <= start) throw new Error(`the end (${end} s) must be after the start (${start} s)`);
  return { ...(start !== undefined ? { start } : {}), ...(end !== undefined ? { end } : {}) };
}
