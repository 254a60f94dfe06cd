import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderWebviewHtml, contentSecurityPolicy } from '../../src/host/webviewHtml';

const input = {
  cspSource: 'https://file+.vscode-resource.vscode-cdn.net',
  scriptUri: 'https://file+.vscode-resource.vscode-cdn.net/ext/dist/webview/main.js',
  title: 'run.rollouts.jsonl',
};

function cspOf(html: string): string {
  const m = /<meta http-equiv="Content-Security-Policy" content="([^"]*)">/.exec(html);
  assert.ok(m, 'CSP meta tag present');
  return m[1];
}

test('CSP denies everything by default and allows scripts only by nonce', () => {
  const { html, nonce } = renderWebviewHtml(input);
  const csp = cspOf(html);
  const directives = new Map(
    csp.split(';').map((d) => {
      const [name, ...values] = d.trim().split(/\s+/);
      return [name, values] as const;
    }),
  );
  assert.deepEqual(directives.get('default-src'), ["'none'"]);
  assert.deepEqual(directives.get('script-src'), [`'nonce-${nonce}'`]);
  assert.deepEqual(directives.get('style-src'), [input.cspSource, `'nonce-${nonce}'`]);
  assert.deepEqual(directives.get('img-src'), [input.cspSource, 'data:']);
  assert.deepEqual(directives.get('media-src'), [input.cspSource]);
  assert.deepEqual(directives.get('font-src'), [input.cspSource]);
  assert.doesNotMatch(html, /unsafe-inline|unsafe-eval|strict-dynamic/);
});

test('the nonce has at least 128 bits and changes on every call', () => {
  const nonces = new Set<string>();
  for (let i = 0; i < 50; i++) {
    const { nonce } = renderWebviewHtml(input);
    assert.match(nonce, /^[A-Za-z0-9+/]+=*$/, 'valid CSP base64-value');
    assert.ok(Buffer.from(nonce, 'base64').length * 8 >= 128, `nonce ${nonce} too short`);
    nonces.add(nonce);
  }
  assert.equal(nonces.size, 50);
});

test('every script tag carries the nonce and loads the bundle from the given URI', () => {
  const { html, nonce } = renderWebviewHtml(input);
  const scripts = [...html.matchAll(/<script\b([^>]*)>/g)];
  assert.ok(scripts.length >= 1);
  for (const [, attrs] of scripts) assert.match(attrs, new RegExp(`nonce="${nonce.replace(/[+/]/g, '\\$&')}"`));
  assert.ok(html.includes(`src="${input.scriptUri}"`));
  // No inline script bodies and no inline event handlers.
  assert.doesNotMatch(html, /<script[^>]*>[^<]+<\/script>/);
  assert.doesNotMatch(html, /\son[a-z]+=/i);
});

test('stylesheets carry the nonce too', () => {
  const { html, nonce } = renderWebviewHtml({ ...input, styleUris: ['https://x/y.css'] });
  assert.ok(html.includes(`<link rel="stylesheet" nonce="${nonce}" href="https://x/y.css">`));
});

test('a hostile file name in the title cannot inject markup', () => {
  const { html } = renderWebviewHtml({ ...input, title: '</title><script>alert(1)</script>"' });
  assert.equal([...html.matchAll(/<script\b/g)].length, 1);
  assert.ok(html.includes('&lt;/title&gt;&lt;script&gt;'));
});

test('contentSecurityPolicy is a pure function of its inputs', () => {
  assert.equal(contentSecurityPolicy('S', 'N'), "default-src 'none'; script-src 'nonce-N'; style-src S 'nonce-N'; img-src S data:; media-src S; font-src S");
});
