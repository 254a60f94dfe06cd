// The judge's chat client against a real HTTP server on 127.0.0.1 that sends raw bytes: what
// the request looks like on the wire, and how each kind of bad reply is classified (the runner
// retries only what a retry could fix). The well-behaved paths run in judgeRunner.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { listenLocal } from '../helpers/localServer';
import { OpenAIChatBackend } from '../../src/models/openaiChat';
import { SseReader } from '../../src/models/sse';
import { ChatCallError } from '../../src/core/judge/types';

type Reply = (req: IncomingMessage, body: string, res: ServerResponse) => void;

async function withServer(reply: Reply, fn: (base: string, seen: { url: string; headers: IncomingMessage['headers']; body: string }[]) => Promise<void>) {
  const seen: { url: string; headers: IncomingMessage['headers']; body: string }[] = [];
  const server = createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => {
      const body = Buffer.concat(parts).toString('utf8');
      seen.push({ url: req.url ?? '', headers: req.headers, body });
      reply(req, body, res);
    });
  });
  const local = await listenLocal(server);
  try {
    await fn(`http://127.0.0.1:${local.port}`, seen);
  } finally {
    await local.close();
  }
}

const ask = { model: 'm', messages: [{ role: 'user' as const, content: 'Score this: é ✓' }], temperature: 0, maxTokens: 8 };
/** A reply of one status, body and headers. */
const send =
  (status: number, body: string, headers: Record<string, string> = {}): Reply =>
  (_q, _b, res) => {
    res.writeHead(status, headers);
    res.end(body);
  };
const plainOk = (content: string) =>
  JSON.stringify({ model: 'served', choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }], usage: { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 } });

async function failure(p: Promise<unknown>): Promise<ChatCallError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof ChatCallError, `a ChatCallError, got ${String(e)}`);
    return e;
  }
  assert.fail('the call succeeded');
}

test('the request: path after the base URL (trailing slash and query kept), JSON body, key as Bearer, extra headers', async () => {
  await withServer(send(200, plainOk('4'), { 'content-type': 'application/json' }), async (base, seen) => {
    const c = new OpenAIChatBackend({ baseURL: `${base}/v1/?api-version=7`, apiKey: 'sk-test', headers: { 'X-Team': 'omni' } });
    const r = await c.complete(ask, { timeoutMs: 5000 });
    assert.deepEqual(r, { text: '4', finishReason: 'stop', model: 'served', usage: { promptTokens: 3, completionTokens: 1, totalTokens: 4 } });
    assert.equal(seen[0]!.url, '/v1/chat/completions?api-version=7');
    assert.equal(seen[0]!.headers.authorization, 'Bearer sk-test');
    assert.equal(seen[0]!.headers['x-team'], 'omni');
    assert.equal(seen[0]!.headers['content-type'], 'application/json');
    // A gateway's own scheme replaces the Bearer key, whatever the case it is given in.
    await new OpenAIChatBackend({ baseURL: base, apiKey: 'sk-test', headers: { Authorization: 'Token gw-1' } }).complete(ask, { timeoutMs: 5000 });
    assert.equal(seen.at(-1)!.headers.authorization, 'Token gw-1');
    seen.pop();
    assert.deepEqual(JSON.parse(seen[0]!.body), { model: 'm', messages: ask.messages, temperature: 0, max_tokens: 8 });
    // One keep-alive connection serves the calls that follow.
    await c.complete(ask, { timeoutMs: 5000 });
    assert.equal(seen.length, 2);
  });
});

test('streaming: events split anywhere, CRLF lines, multi-byte characters across chunks, usage from the last event', async () => {
  const events = [
    { model: 'served', choices: [{ index: 0, delta: { role: 'assistant', content: '' } }] },
    { choices: [{ index: 0, delta: { content: 'quatre: ' } }] },
    { choices: [{ index: 0, delta: { content: 'vier ✓ é' } }] },
    { choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] },
    { choices: [], usage: { prompt_tokens: 5, completion_tokens: 3, total_tokens: 8 } },
  ];
  const wire = Buffer.from(`: a comment\r\n${events.map((e) => `data: ${JSON.stringify(e)}\r\n\r\n`).join('')}data: [DONE]\r\n\r\n`, 'utf8');
  await withServer(
    (_q, body, res) => {
      assert.equal(JSON.parse(body).stream, true);
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      // Seven bytes at a time: cuts through lines, events and the UTF-8 of ✓ and é.
      for (let i = 0; i < wire.length; i += 7) res.write(wire.subarray(i, i + 7));
      res.end();
    },
    async (base, seen) => {
      const r = await new OpenAIChatBackend({ baseURL: base }).complete({ ...ask, stream: true }, { timeoutMs: 5000 });
      assert.deepEqual(r, { text: 'quatre: vier ✓ é', finishReason: 'stop', model: 'served', usage: { promptTokens: 5, completionTokens: 3, totalTokens: 8 } });
      assert.deepEqual(JSON.parse(seen[0]!.body).stream_options, { include_usage: true });
    },
  );
});

test('bad replies are classified: HTTP errors with the server message and Retry-After; non-JSON; cut streams; a mid-stream error', async () => {
  const cases: { name: string; reply: Reply; stream?: boolean; kind: string; status?: number; retryable: boolean; message: RegExp; retryAfterMs?: number }[] = [
    {
      name: 'an OpenAI-style error body',
      reply: send(429, JSON.stringify({ error: { message: 'slow down', type: 'rate_limit' } }), { 'content-type': 'application/json', 'retry-after': '2' }),
      kind: 'http',
      status: 429,
      retryable: true,
      message: /^HTTP 429: slow down$/,
      retryAfterMs: 2000,
    },
    {
      name: "vLLM's error body",
      reply: send(400, JSON.stringify({ object: 'error', message: 'maximum context length is 4096 tokens', type: 'BadRequestError', param: null, code: 400 }), { 'content-type': 'application/json' }),
      kind: 'http',
      status: 400,
      retryable: false,
      message: /^HTTP 400: maximum context length is 4096 tokens$/,
    },
    {
      name: "Ollama's error body",
      reply: send(404, JSON.stringify({ error: 'model "judge" not found, try pulling it first' }), { 'content-type': 'application/json' }),
      kind: 'http',
      status: 404,
      retryable: false,
      message: /^HTTP 404: model "judge" not found, try pulling it first$/,
    },
    {
      name: 'a proxy page',
      reply: send(502, '<html>bad gateway</html>', { 'content-type': 'text/html' }),
      kind: 'http',
      status: 502,
      retryable: true,
      message: /^HTTP 502: <html>bad gateway<\/html>$/,
    },
    {
      name: 'a 400 with an empty body',
      reply: send(400, ''),
      kind: 'http',
      status: 400,
      retryable: false,
      message: /^HTTP 400: \(no body\)$/,
    },
    {
      name: 'a 200 that is not JSON',
      reply: send(200, 'hello', { 'content-type': 'text/plain' }),
      kind: 'protocol',
      retryable: false,
      message: /not JSON: hello/,
    },
    {
      name: 'a 200 without choices',
      reply: send(200, '{"object":"chat.completion","choices":[]}', { 'content-type': 'application/json' }),
      kind: 'protocol',
      retryable: false,
      message: /no choices/,
    },
    {
      name: 'a stream that ends without a finish reason',
      stream: true,
      reply: send(200, `data: ${JSON.stringify({ choices: [{ index: 0, delta: { content: 'hal' } }] })}\n\n`, { 'content-type': 'text/event-stream' }),
      kind: 'connection',
      retryable: true,
      message: /ended before the reply was finished/,
    },
    {
      name: 'an error event mid-stream',
      stream: true,
      reply: (_q, _b, res) => {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write(`data: ${JSON.stringify({ choices: [{ index: 0, delta: { content: 'hal' } }] })}\n\n`);
        res.end(`data: ${JSON.stringify({ error: { message: 'engine dead', code: 500 } })}\n\n`);
      },
      kind: 'connection',
      retryable: true,
      message: /error mid-stream: engine dead/,
    },
    {
      name: 'the connection dropped before the reply',
      reply: (q) => q.socket.destroy(),
      kind: 'connection',
      retryable: true,
      message: /^connection error: /,
    },
  ];
  for (const c of cases) {
    await withServer(c.reply, async (base) => {
      const e = await failure(new OpenAIChatBackend({ baseURL: base, apiKey: 'sk-secret' }).complete({ ...ask, stream: c.stream }, { timeoutMs: 5000 }));
      assert.equal(e.kind, c.kind, `${c.name}: ${e.message}`);
      assert.equal(e.status, c.status, c.name);
      assert.equal(e.retryable, c.retryable, c.name);
      assert.match(e.message, c.message, c.name);
      assert.equal(e.retryAfterMs, c.retryAfterMs, c.name);
    });
  }
});

test('the key never reaches an error message, even when the server echoes it', async () => {
  await withServer(
    (q, _b, res) => {
      res.writeHead(401, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message: `key ${q.headers.authorization} is not valid` } }));
    },
    async (base) => {
      const e = await failure(new OpenAIChatBackend({ baseURL: base, apiKey: 'sk-echoed' }).complete(ask, { timeoutMs: 5000 }));
      assert.equal(e.message, 'HTTP 401: key Bearer *** is not valid');
    },
  );
});

test('timeout covers a slow streamed body; a cancelled signal stops the call; a bad base URL fails without a request', async () => {
  await withServer(
    (_q, _b, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(`data: ${JSON.stringify({ choices: [{ index: 0, delta: { content: 'slow' } }] })}\n\n`);
      // never ends: the client's timeout must
    },
    async (base) => {
      const c = new OpenAIChatBackend({ baseURL: base });
      const t = await failure(c.complete({ ...ask, stream: true }, { timeoutMs: 150 }));
      assert.equal(t.kind, 'timeout');
      assert.match(t.message, /within 150 ms/);
      const ac = new AbortController();
      const call = c.complete({ ...ask, stream: true }, { timeoutMs: 60_000, signal: ac.signal });
      ac.abort();
      assert.equal((await failure(call)).kind, 'aborted');
      const before = new AbortController();
      before.abort();
      assert.equal((await failure(c.complete(ask, { timeoutMs: 5000, signal: before.signal }))).kind, 'aborted');
    },
  );
  for (const baseURL of ['', 'localhost:8000/v1', 'ftp://127.0.0.1/v1']) {
    const e = await failure(new OpenAIChatBackend({ baseURL }).complete(ask, { timeoutMs: 5000 }));
    assert.equal(e.kind, 'protocol', baseURL);
    assert.equal(e.retryable, false, baseURL);
    assert.match(e.message, /base URL is not an http: or https: URL/);
  }
});

test('server-sent events read one byte at a time: every split of a line, a CRLF and a UTF-8 character', () => {
  const wire = Buffer.from('event: x\r\ndata: {"a":"✓ é"}\r\n\r\n: note\ndata: line one\ndata:line two\n\ndata: [DONE]', 'utf8');
  const r = new SseReader();
  const got: string[] = [];
  for (let i = 0; i < wire.length; i++) got.push(...r.push(wire.subarray(i, i + 1)));
  got.push(...r.end());
  assert.deepEqual(got, ['{"a":"✓ é"}', 'line one\nline two', '[DONE]']);
});
