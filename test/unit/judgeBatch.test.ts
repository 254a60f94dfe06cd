import { test } from 'node:test';
import assert from 'node:assert/strict';
import { batchCustomId, batchRequestLine, parseCustomId, readBatchResult } from '../../src/core/judge/batchFormat';
import { fnv1a32, parseShard, shardOf } from '../../src/core/shard';

const KEY = 'a'.repeat(64);
const ID = batchCustomId('0123456789abcdef', 2, KEY);

test('custom_id carries the cache key and repeat both ways', () => {
  assert.equal(ID, `ot-0123456789ab-r2-${KEY}`);
  assert.deepEqual(parseCustomId(ID), { templateHash: '0123456789ab', repeat: 2, key: KEY });
  assert.equal(parseCustomId('request-1'), undefined);
  const line = batchRequestLine({ cacheKey: KEY, templateHash: '0123456789abcdef', repeat: 0, model: 'm', prompt: 'p', temperature: 0, maxTokens: 16 });
  assert.deepEqual(line, {
    custom_id: `ot-0123456789ab-r0-${KEY}`,
    method: 'POST',
    url: '/v1/chat/completions',
    body: { model: 'm', messages: [{ role: 'user', content: 'p' }], temperature: 0, max_tokens: 16 },
  });
});

test('batch output lines: a reply, or why it failed, never a number', () => {
  const ok = readBatchResult(
    {
      custom_id: ID,
      response: { status_code: 200, body: { model: 'm', choices: [{ message: { content: '4' }, finish_reason: 'stop' }], usage: { prompt_tokens: 10, completion_tokens: 1, total_tokens: 11 } } },
      error: null,
    },
    'r.jsonl:3',
  );
  assert.ok(ok.ok === true);
  assert.deepEqual([ok.entry.key, ok.entry.reply, ok.entry.repeat, ok.entry.origin, ok.entry.usage?.totalTokens], [KEY, '4', 2, 'batch r.jsonl:3', 11]);
  const fail = (line: unknown) => {
    const r = readBatchResult(line, 'r.jsonl:4');
    assert.equal(r.ok, false);
    return (r as { error: string }).error;
  };
  assert.match(fail({ custom_id: ID, response: null, error: { code: 'batch_expired', message: 'expired' } }), /batch_expired: expired/);
  assert.match(fail({ custom_id: ID, response: { status_code: 429, body: { error: { message: 'slow down' } } }, error: null }), /HTTP 429: slow down/);
  assert.match(
    fail({ custom_id: ID, response: { status_code: 200, body: { choices: [{ message: { content: '' }, finish_reason: 'length' }] } }, error: null }),
    /empty content \(finish_reason length\)/,
  );
  assert.match(fail({ custom_id: ID, response: { status_code: 200, body: {} }, error: null }), /no choices/);
  assert.equal(readBatchResult({ custom_id: 'other' }, 'x').ok, 'skip');
  assert.equal(readBatchResult([1], 'x').ok, 'skip');
});

test('shards: i/N parsed 1-based; FNV-1a of the group key, against the published test vectors', () => {
  assert.deepEqual(parseShard('2/4'), { index: 1, count: 4 });
  assert.match(parseShard('0/4') as string, /from 1 to N/);
  assert.match(parseShard('x') as string, /expects i\/N/);
  // FNV-1a 32-bit test vectors (Fowler, Noll, Vo): "" → 0x811c9dc5, "a" → 0xe40c292c, "foobar" → 0xbf9cf968.
  assert.deepEqual([fnv1a32(''), fnv1a32('a'), fnv1a32('foobar')], [0x811c9dc5, 0xe40c292c, 0xbf9cf968]);
  assert.equal(shardOf('foobar', 7), 0xbf9cf968 % 7);
});
