// A self-contained HTML report: the webview bundle and the scored rollouts in one file that
// opens in any browser, under a strict CSP. The page runs the same view model as the
// extension, in-page, so a report reads exactly like the editor view.

import type { ReadProblem, ScoredRollout } from './types';
import type { MediaInfo, RewardPlacement } from './viewTypes';
import { bytesToBase64, compactScored, jsonForScript, type EncodedReportData, type ReportData } from './reportData';

export const REPORT_DATA_ELEMENT_ID = 'omnitrace-data';

export interface ReportInput {
  title: string;
  /** What the report shows about its source. */
  init?: {
    fileName?: string;
    format?: string;
    problems?: ReadProblem[];
    problemCount?: number;
    rewardPlacement?: Record<string, RewardPlacement>;
  };
  scored: ScoredRollout[];
  /** Parallel to `scored`; a rollout without an entry shows "no clip". */
  media?: (MediaInfo | undefined)[];
  /** The webview bundle (dist/webview/main.js). */
  webviewJs: string;
  /** A comparison of checkpoints, shown by the compare view instead of the rollout view. */
  compare?: ReportData['compare'];
  /** A judge lab, shown by the lab view. */
  lab?: ReportData['lab'];
  /** For tests only: a fixed nonce. Real reports get a fresh random one. */
  nonce?: string;
  /**
   * Compress the embedded data (e.g. zlib.gzipSync). Worth it beyond a few thousand rollouts;
   * without it the data is plain, escaped JSON that a reader can inspect.
   */
  gzip?: (bytes: Uint8Array) => Uint8Array;
  /** A shortcut analysis of the same rollouts, shown as in the editor. */
  shortcuts?: ReportData['shortcuts'];
}

function randomNonce(): string {
  const bytes = new Uint8Array(18);
  globalThis.crypto.getRandomValues(bytes);
  let s = '';
  for (const b of bytes) s += b.toString(16).padStart(2, '0');
  return s;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** For a double-quoted attribute: quotes inside the CSP stay readable. */
function escapeAttr(text: string): string {
  return text.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Script text that cannot end its own <script> element early. */
function scriptSafe(js: string): string {
  // The bundle's source-map comment points at a file the report does not carry.
  return js
    .replace(/\n\/\/# sourceMappingURL=\S+\s*$/, '\n')
    .replace(/<\/(script)/gi, '<\\/$1')
    .replace(/<!--/g, '<\\!--');
}

export function contentSecurityPolicy(nonce: string): string {
  return [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    // Styles are constructed stylesheets and CSSOM, which need no 'unsafe-inline'.
    `style-src 'nonce-${nonce}'`,
    "img-src 'self' file: data: blob:",
    "media-src 'self' file: data: blob:",
    "font-src 'self' data:",
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
}

export function reportData(input: ReportInput): ReportData {
  const problems = input.init?.problems ?? [];
  const data: ReportData = {
    version: 1,
    title: input.title,
    fileName: input.init?.fileName ?? '',
    format: input.init?.format ?? '',
    problems,
    problemCount: input.init?.problemCount ?? problems.length,
    scored: input.scored.map(compactScored),
    media: input.scored.map(
      (s, i) =>
        input.media?.[i] ?? ({ status: 'missing', path: s.record.clip?.path, reason: s.record.clip?.path ? `clip not resolved: ${s.record.clip.path}` : 'this rollout names no clip' } as MediaInfo),
    ),
  };
  if (input.init?.rewardPlacement) data.rewardPlacement = input.init.rewardPlacement;
  if (input.shortcuts) data.shortcuts = input.shortcuts;
  if (input.compare) data.compare = input.compare;
  if (input.lab) data.lab = input.lab;
  return data;
}

export function buildReportHtml(input: ReportInput): string {
  const nonce = input.nonce ?? randomNonce();
  if (!/^[A-Za-z0-9+/=_-]{16,}$/.test(nonce)) throw new Error('nonce must be at least 16 base64/hex characters');
  const data = reportData(input);
  const embedded: ReportData | EncodedReportData = input.gzip ? { encoding: 'gzip-base64', data: bytesToBase64(input.gzip(new TextEncoder().encode(JSON.stringify(data)))) } : data;
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="${escapeAttr(contentSecurityPolicy(nonce))}">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<meta name="generator" content="Omni Trace">',
    `<title>${escapeHtml(input.title)}</title>`,
    '</head>',
    '<body>',
    '<div id="root"><noscript>This report needs JavaScript to show the rollouts.</noscript></div>',
    `<script type="application/json" id="${REPORT_DATA_ELEMENT_ID}">${jsonForScript(embedded)}</script>`,
    `<script nonce="${nonce}">${scriptSafe(input.webviewJs)}</script>`,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
