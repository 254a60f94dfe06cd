// The HTML shell every Omni Trace webview loads. Model output never reaches this string (the
// webview renders it as text through the DOM); what does — the file name in the title, URIs —
// is escaped anyway. The policy allows only our nonce'd script and styles from the extension,
// so an injected <script> or inline handler in untrusted data could not run even if it got in.
// No `vscode` import: the controller passes in the strings, tests call it directly.

import { randomBytes } from 'node:crypto';

export interface WebviewHtmlInput {
  /** `webview.cspSource`. */
  cspSource: string;
  /** `webview.asWebviewUri(dist/webview/main.js)` as a string. */
  scriptUri: string;
  /** Optional stylesheets (already webview URIs). */
  styleUris?: string[];
  title: string;
  /** Which view the bundle should mount; the bundle reads `document.body.dataset.view`. */
  view?: string;
  /** Only for tests that need a fixed nonce; normally a fresh one is generated per call. */
  nonce?: string;
}

export interface WebviewHtml {
  html: string;
  nonce: string;
}

/** 192 random bits, base64 (a valid CSP nonce-source). A new one for every page load. */
export function makeNonce(): string {
  return randomBytes(24).toString('base64');
}

export function contentSecurityPolicy(cspSource: string, nonce: string): string {
  return ["default-src 'none'", `script-src 'nonce-${nonce}'`, `style-src ${cspSource} 'nonce-${nonce}'`, `img-src ${cspSource} data:`, `media-src ${cspSource}`, `font-src ${cspSource}`].join('; ');
}

export function renderWebviewHtml(input: WebviewHtmlInput): WebviewHtml {
  const nonce = input.nonce ?? makeNonce();
  const csp = contentSecurityPolicy(input.cspSource, nonce);
  const styles = (input.styleUris ?? []).map((href) => `    <link rel="stylesheet" nonce="${attr(nonce)}" href="${attr(href)}">`).join('\n');
  const html = `<!DOCTYPE html>
<html lang="en">
  <head>
    <meta charset="UTF-8">
    <meta http-equiv="Content-Security-Policy" content="${attr(csp)}">
    <meta name="viewport" content="width=device-width, initial-scale=1.0">
    <title>${text(input.title)}</title>
${styles}
  </head>
  <body data-view="${attr(input.view ?? 'rollouts')}" data-host="vscode">
    <div id="root" role="main"></div>
    <script nonce="${attr(nonce)}" src="${attr(input.scriptUri)}"></script>
  </body>
</html>
`;
  return { html, nonce };
}

function text(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function attr(s: string): string {
  // Every attribute here is double-quoted, so `"` is the only quote that needs escaping; the
  // single quotes of CSP keywords ('none', 'nonce-…') stay readable.
  return text(s).replace(/"/g, '&quot;');
}
