import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RpcServer, type HostHandlers } from '../../src/host/rpcServer';
import type { HostToWebview, ViewInit } from '../../src/protocol/messages';

const init = { title: 't', total: 3 } as unknown as ViewInit;

function setup(overrides: Partial<HostHandlers> = {}) {
  const sent: HostToWebview[] = [];
  const errors: string[] = [];
  const handlers: HostHandlers = {
    getInit: () => init,
    getRows: ({ offset, limit }) => ({ total: 10, offset, rows: [], limit }) as never,
    getRollout: ({ index }) => {
      throw new Error(`no rollout ${index}`);
    },
    revealSource: async () => ({ revealed: true }),
    cancelRun: () => ({ cancelled: false }),
    locateRow: ({ index }) => ({ position: index * 2 }),
    getLabels: () => ({ enabled: false, blind: false, rewards: [] }),
    setLabel: () => ({ enabled: false, blind: false, rewards: [] }),
    undoLabel: () => ({ undone: false }),
    firstRowsShown: () => ({}),
    ...overrides,
  };
  const server = new RpcServer((m) => sent.push(m), handlers, { onError: (m) => errors.push(m) });
  return { server, sent, errors };
}

test('a request is dispatched by method and answered with its id', async () => {
  const { server, sent } = setup();
  await server.handle({ type: 'request', id: 7, method: 'getRows', params: { query: {}, offset: 20, limit: 5 } });
  assert.equal(sent.length, 1);
  const r = sent[0];
  assert.equal(r.type, 'response');
  assert.equal(r.type === 'response' && r.id, 7);
  assert.equal(r.type === 'response' && r.ok, true);
  assert.deepEqual(r.type === 'response' && r.ok && r.result, { total: 10, offset: 20, rows: [], limit: 5 });
});

test('async handlers are awaited', async () => {
  const { server, sent } = setup();
  await server.handle({ type: 'request', id: 1, method: 'revealSource', params: { index: 0 } });
  assert.deepEqual(sent, [{ type: 'response', id: 1, ok: true, result: { revealed: true } }]);
});

test('a throwing handler is answered with an error reply carrying the message', async () => {
  const { server, sent, errors } = setup();
  await server.handle({ type: 'request', id: 3, method: 'getRollout', params: { index: 42 } });
  assert.deepEqual(sent, [{ type: 'response', id: 3, ok: false, error: 'no rollout 42' }]);
  assert.equal(errors.length, 1);
});

test('a rejected promise with a non-Error value still gets an error reply', async () => {
  const { server, sent } = setup({ revealSource: () => Promise.reject({ code: 5 }) });
  await server.handle({ type: 'request', id: 4, method: 'revealSource', params: { index: 0 } });
  assert.deepEqual(sent, [{ type: 'response', id: 4, ok: false, error: '{"code":5}' }]);
});

test('an unknown method is answered with an error, not left pending', async () => {
  const { server, sent } = setup();
  await server.handle({ type: 'request', id: 9, method: 'deleteEverything', params: {} });
  await server.handle({ type: 'request', id: 10, method: 'toString', params: {} });
  assert.equal(sent.length, 2);
  for (const [i, r] of sent.entries()) {
    assert.equal(r.type === 'response' && r.id, 9 + i);
    assert.equal(r.type === 'response' && r.ok, false);
    assert.match(r.type === 'response' && !r.ok ? r.error : '', /unknown method/);
  }
});

test('messages that cannot be answered are reported, not replied to', async () => {
  const { server, sent, errors } = setup();
  await server.handle(null);
  await server.handle({ type: 'hello' });
  await server.handle({ type: 'request', method: 'getInit' });
  assert.equal(sent.length, 0);
  assert.equal(errors.length, 3);
});

test('no event is pushed before the first getInit; events flow after', async () => {
  const { server, sent } = setup();
  assert.equal(server.emit('invalidate', { reason: 'early' }), false);
  assert.equal(server.isReady, false);
  assert.equal(sent.length, 0);
  await server.handle({ type: 'request', id: 1, method: 'getInit', params: {} });
  assert.equal(server.isReady, true);
  assert.equal(server.emit('progress', { read: 5, skipped: 0, done: false }), true);
  assert.deepEqual(sent, [
    { type: 'response', id: 1, ok: true, result: init },
    { type: 'event', event: 'progress', data: { read: 5, skipped: 0, done: false } },
  ]);
});

test('events raised while getInit is being answered arrive after its response, latest per kind', async () => {
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const { server, sent } = setup({
    getInit: async () => {
      await gate;
      return init;
    },
  });
  const pending = server.handle({ type: 'request', id: 1, method: 'getInit', params: {} });
  server.emit('progress', { read: 1, skipped: 0, done: false });
  server.emit('select', { index: 2 });
  server.emit('progress', { read: 2, skipped: 0, done: false });
  assert.equal(sent.length, 0);
  release();
  await pending;
  assert.deepEqual(sent, [
    { type: 'response', id: 1, ok: true, result: init },
    { type: 'event', event: 'select', data: { index: 2 } },
    { type: 'event', event: 'progress', data: { read: 2, skipped: 0, done: false } },
  ]);
});

test('after resetReady (webview content discarded) events wait for the next getInit', async () => {
  const { server, sent } = setup();
  await server.handle({ type: 'request', id: 1, method: 'getInit', params: {} });
  server.resetReady();
  assert.equal(server.emit('invalidate', { reason: 'x' }), false);
  assert.equal(sent.length, 1);
});

test('dispose aborts the signal handed to handlers and stops replies', async () => {
  let seen: AbortSignal | undefined;
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const { server, sent } = setup({
    getRollout: async (_p, signal) => {
      seen = signal;
      await gate;
      return {} as never;
    },
  });
  const pending = server.handle({ type: 'request', id: 1, method: 'getRollout', params: { index: 0 } });
  server.dispose();
  assert.equal(seen?.aborted, true);
  release();
  await pending;
  assert.equal(sent.length, 0);
  assert.equal(server.emit('invalidate', { reason: 'late' }), false);
});

test('a post that throws (panel gone) does not break the server', async () => {
  const errors: string[] = [];
  const server = new RpcServer(
    () => {
      throw new Error('Webview is disposed');
    },
    { getInit: () => init } as unknown as HostHandlers,
    { onError: (m) => errors.push(m) },
  );
  await server.handle({ type: 'request', id: 1, method: 'getInit', params: {} });
  assert.deepEqual(errors, ['postMessage failed']);
});

test('onReady runs once per getInit after a reset, after the init response', async () => {
  const sent: HostToWebview[] = [];
  const order: string[] = [];
  const server = new RpcServer(
    (m) => {
      sent.push(m);
      order.push(m.type);
    },
    { getInit: () => init } as unknown as HostHandlers,
    { onReady: () => order.push('ready') },
  );
  await server.handle({ type: 'request', id: 1, method: 'getInit', params: {} });
  await server.handle({ type: 'request', id: 2, method: 'getInit', params: {} });
  assert.deepEqual(order, ['response', 'ready', 'response']);
  server.resetReady();
  await server.handle({ type: 'request', id: 3, method: 'getInit', params: {} });
  assert.deepEqual(order, ['response', 'ready', 'response', 'response', 'ready']);
});
