import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync, gunzipSync } from 'node:zlib';
import { buildReportHtml, contentSecurityPolicy } from '../../src/core/report';
import { compactScored, expandScored, jsonForScript, base64ToBytes, type ReportData } from '../../src/core/reportData';
import { parseTrace } from '../../src/core/trace';
import type { ScoredRollout } from '../../src/core/types';

function scored(completion: string, solution?: string): ScoredRollout {
  const s: ScoredRollout = {
    record: { index: 0, source: { file: 'x.jsonl', line: 1 }, question: { problem: 'q' }, reference: solution ? { solution } : {}, completion },
    trace: parseTrace(completion),
    rewards: { format: { value: 1, status: 'ok', explanation: 'fine' } },
  };
  if (solution) s.referenceTrace = parseTrace(solution);
  return s;
}

const dataOf = (html: string): string => /<script type="application\/json" id="omnitrace-data">([\s\S]*?)<\/script>/.exec(html)![1]!;

test('embedded data cannot close its script element, whatever the model wrote', () => {
  const hostile = 'x</script><script>alert(1)</script><!-- \u2028 \u2029 & <b>';
  const html = buildReportHtml({ title: 'T', scored: [scored(`<context>${hostile}</context>`)], webviewJs: 'void 0', nonce: 'a'.repeat(32) });
  const data = dataOf(html);
  assert.doesNotMatch(data, /[<>&\u2028\u2029]/);
  const back = JSON.parse(data) as ReportData;
  assert.equal(back.scored[0]!.record.completion, `<context>${hostile}</context>`);
  assert.equal(html.match(/<script/g)!.length, 2);
});

test('the page CSP allows only the nonced script and no inline code', () => {
  const nonce = 'b'.repeat(32);
  const html = buildReportHtml({ title: '<Title & co>', scored: [], webviewJs: 'var s = "</script>";', nonce });
  assert.ok(html.includes(`content="${contentSecurityPolicy(nonce)}"`));
  assert.match(contentSecurityPolicy(nonce), /^default-src 'none'; script-src 'nonce-b{32}'/);
  assert.doesNotMatch(html, /unsafe-inline|unsafe-eval/);
  assert.ok(html.includes('<title>&#60;Title &#38; co&#62;</title>'));
  assert.ok(html.includes(`<script nonce="${nonce}">var s = "<\\/script>";</script>`), 'the bundle cannot end its element early');
  const fresh = /nonce-([0-9a-f]+)/.exec(buildReportHtml({ title: 't', scored: [], webviewJs: '' }))![1]!;
  assert.ok(fresh.length >= 32);
  assert.notEqual(fresh, /nonce-([0-9a-f]+)/.exec(buildReportHtml({ title: 't', scored: [], webviewJs: '' }))![1]);
});

test('section texts are dropped from the embedded data and restored exactly', () => {
  const s = scored('lead <context>a\u{1F600}b</context> mid <think>t</think><answer>B</answer><answer>C</answer>', '<context>ref</context><answer>B</answer>');
  const compact = JSON.parse(JSON.stringify(compactScored(s))) as ScoredRollout;
  assert.ok(compact.trace.segments.every((seg) => seg.text === undefined));
  assert.equal(compact.trace.context, undefined);
  const back = expandScored(compact);
  const plain = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;
  assert.deepEqual(plain(back.trace), plain(s.trace));
  assert.deepEqual(plain(back.referenceTrace), plain(s.referenceTrace));
  assert.equal(back.trace.context, back.trace.segments[0], 'first-of-kind points at its segment again');
});

test('compressed reports carry the same data', () => {
  const s = scored('<context>c</context><think>t</think><answer>A</answer>');
  const html = buildReportHtml({ title: 'T', scored: [s], webviewJs: '', nonce: 'c'.repeat(32), gzip: (b) => gzipSync(b) });
  const outer = JSON.parse(dataOf(html)) as { encoding: string; data: string };
  assert.equal(outer.encoding, 'gzip-base64');
  const inner = JSON.parse(gunzipSync(base64ToBytes(outer.data)).toString('utf8')) as ReportData;
  assert.equal(inner.scored[0]!.record.completion, s.record.completion);
  assert.equal(inner.media[0]!.status, 'missing');
});

test('jsonForScript escapes exactly the characters that matter', () => {
  assert.equal(jsonForScript({ a: '</x>&\u2028' }), '{"a":"\\u003c/x\\u003e\\u0026\\u2028"}');
});
