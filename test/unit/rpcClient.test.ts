import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RpcClient, type Transport } from '../../webview/src/rpc';
import type { HostToWebview, WebviewToHost } from '../../src/protocol/messages';

/** A transport whose host side the test drives by hand. */
function manual() {
  const sent: WebviewToHost[] = [];
  let handler: ((m: HostToWebview) => void) | undefined;
  let unsubscribed = false;
  const transport: Transport = {
    post: (m) => void sent.push(m),
    listen(h) {
      handler = h;
      return () => {
        unsubscribed = true;
      };
    },
  };
  return { transport, sent, deliver: (m: HostToWebview) => handler!(m), unsubscribed: () => unsubscribed };
}

test('responses are matched to requests by id, in any order', async () => {
  const t = manual();
  const rpc = new RpcClient(t.transport);
  const a = rpc.request('getRollout', { index: 1 });
  const b = rpc.request('revealSource', { index: 2 });
  assert.equal(t.sent.length, 2);
  assert.notEqual(t.sent[0]!.id, t.sent[1]!.id);
  assert.equal(t.sent[1]!.method, 'revealSource');
  t.deliver({ type: 'response', id: t.sent[1]!.id, ok: true, result: { revealed: true } });
  t.deliver({ type: 'response', id: t.sent[0]!.id, ok: false, error: 'line 2 is unreadable' });
  assert.deepEqual(await b, { revealed: true });
  await assert.rejects(a, /line 2 is unreadable/);
});

test('events reach their listeners by name; unknown ids and junk are ignored', () => {
  const t = manual();
  const rpc = new RpcClient(t.transport);
  const seen: number[] = [];
  const off = rpc.on('select', (d) => seen.push(d.index));
  let invalidated = 0;
  rpc.on('invalidate', () => invalidated++);
  t.deliver({ type: 'event', event: 'select', data: { index: 7 } });
  t.deliver({ type: 'response', id: 999, ok: true, result: null });
  t.deliver(null as unknown as HostToWebview);
  off();
  t.deliver({ type: 'event', event: 'select', data: { index: 8 } });
  assert.deepEqual(seen, [7]);
  assert.equal(invalidated, 0);
});

test('dispose rejects pending requests, unsubscribes, and refuses new ones', async () => {
  const t = manual();
  const rpc = new RpcClient(t.transport);
  const pending = rpc.request('getInit', {});
  rpc.dispose();
  await assert.rejects(pending, /closed/);
  await assert.rejects(rpc.request('getInit', {}), /closed/);
  assert.equal(t.unsubscribed(), true);
});

test('a transport that throws on post rejects that request only', async () => {
  const rpc = new RpcClient({
    post: () => {
      throw new Error('webview is gone');
    },
    listen: () => () => undefined,
  });
  await assert.rejects(rpc.request('getInit', {}), /webview is gone/);
});
