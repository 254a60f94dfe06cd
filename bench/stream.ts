// bench:stream — latency of live streaming into the rollout view: a local server (its own process)
// streams a scripted completion token by token at 100 tokens/s in vLLM's SSE shape; the REAL
// client (CheckpointClient.stream, as runCheckpoint uses it) feeds the host's DeltaThrottle, whose
// `streamDelta` events are posted to the real webview bundle (the host's HTML) in headless
// Chromium, this script playing the extension host as the browser tests do. Per token: the time
// from the server writing it to the Context panel's text containing it (a MutationObserver in
// the page stamps performance.timeOrigin + performance.now(); the server stamps the same wall
// clock at write). Prints JSON: tokens, median and p95 ms, target p95 < 50 ms, pass, load average.

import { spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { CheckpointClient } from '../src/models/checkpointClient';
import { DeltaThrottle } from '../src/host/deltaThrottle';
import { renderWebviewHtml } from '../src/host/webviewHtml';
import { scoreRecord } from '../src/core/score';
import { RolloutViewModel, summarise } from '../src/core/viewModel';
import type { HostToWebview, WebviewToHost } from '../src/protocol/messages';
import { launchChromium } from '../test/helpers/chromium';
import { handleRolloutRequest, isRolloutViewMethod } from '../src/protocol/rolloutRequests';
import { untilTrue } from '../test/helpers/pollPage';

const TOKENS = Number(process.env.TOKENS ?? 300);
const RATE = 100; // tokens per second
const TARGET_P95_MS = 50;
const OPEN = '<context>';
const token = (k: number) => `w${k} `;

const SERVER = `
const http = require('node:http');
const N = ${TOKENS}, GAP = ${1000 / RATE};
let times = [];
const now = () => performance.timeOrigin + performance.now();
const s = http.createServer((req, res) => {
  if (req.url.endsWith('/times')) { res.end(JSON.stringify(times)); return; }
  req.on('data', () => {});
  req.on('end', () => {
    times = [];
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    const send = (o) => res.write('data: ' + JSON.stringify(o) + '\\n\\n');
    const chunk = (delta, finish) => ({ id: 'b', object: 'chat.completion.chunk', created: 0, model: 'bench', choices: [{ index: 0, delta, finish_reason: finish }] });
    send(chunk({ role: 'assistant', content: ${JSON.stringify(OPEN)} }, null));
    const start = now();
    let k = 0;
    const tick = () => {
      // On a schedule (not setInterval drift): token k leaves at start + k * GAP.
      while (k < N && now() >= start + k * GAP) {
        send(chunk({ content: 'w' + k + ' ' }, null));
        times.push(now());
        k++;
      }
      if (k < N) return setTimeout(tick, Math.max(0, start + k * GAP - now()));
      send(chunk({}, 'stop'));
      res.end('data: [DONE]\\n\\n');
    };
    tick();
  });
});
s.listen(0, '127.0.0.1', () => console.log(s.address().port));
`;

async function main(): Promise<void> {
  const root = resolve(__dirname, '..');
  const dir = mkdtempSync(join(tmpdir(), 'omnitrace-bench-stream-'));
  copyFileSync(join(root, 'dist', 'webview', 'main.js'), join(dir, 'main.js'));
  writeFileSync(join(dir, 'index.html'), renderWebviewHtml({ cspSource: 'file:', scriptUri: './main.js', title: 'live' }).html);

  const server = spawn(process.execPath, ['-e', SERVER], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((r) => server.stdout.once('data', (d) => r(Number(String(d).trim()))));
  const baseURL = `http://127.0.0.1:${port}/v1`;

  // The host side: one live sample, as LiveRunPanel serves it.
  let text = '';
  const record = () => ({ index: 0, id: 'sample 1', source: { file: 'bench (live)' }, question: { problem: 'What is on screen?' }, reference: {}, completion: text });
  const model = new RolloutViewModel(
    { title: 'live', fileName: 'live', format: 'live run', host: 'vscode', trusted: true, getDetail: async () => scoreRecord(record()), getMedia: () => ({ status: 'missing', reason: 'bench' }) },
    [summarise(scoreRecord(record()))],
  );

  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    await page.addInitScript(`
      window.__sent = [];
      window.__grow = [];
      window.acquireVsCodeApi = () => ({ postMessage: (m) => window.__sent.push(JSON.parse(JSON.stringify(m))), getState: () => null, setState: () => {} });
      let last = 0;
      new MutationObserver(() => {
        const t = performance.timeOrigin + performance.now();
        const n = document.querySelector('[data-testid=text-context]')?.textContent.length ?? 0;
        if (n > last) { last = n; window.__grow.push([t, n]); }
      }).observe(document, { subtree: true, childList: true, characterData: true });
    `);
    const post = (m: HostToWebview) => page.evaluate(`window.postMessage(${JSON.stringify(m)}, '*')`);
    await page.goto('file://' + join(dir, 'index.html'));
    let pumping = true;
    const pump = (async () => {
      while (pumping) {
        const batch = (await page.evaluate('window.__sent.splice(0)')) as WebviewToHost[];
        for (const m of batch) if (isRolloutViewMethod(m.method)) await post({ type: 'response', id: m.id, ok: true, result: await handleRolloutRequest(model, m.method, m.params as never) });
        await new Promise((r) => setTimeout(r, 5));
      }
    })();
    await page.locator('[data-testid=rollout-row][data-index="0"]').click();
    await page.waitForSelector('[data-testid=trace-view][data-index="0"]');
    // Nothing is asked during the stream: stop polling the page so it does not compete with it.
    pumping = false;
    await pump;

    // Posts are serialised, as VS Code's postMessage channel delivers them in order.
    let chain: Promise<unknown> = Promise.resolve();
    const throttle = new DeltaThrottle((d) => {
      chain = chain.then(() => post({ type: 'event', event: 'streamDelta', data: d }));
    });
    const client = new CheckpointClient({ baseURL });
    await client.stream(
      { model: 'bench', messages: [{ role: 'user', content: 'go' }], n: 1 },
      {
        onDelta: (i, t) => {
          text += t;
          throttle.push(i, t);
        },
      },
    );
    throttle.done(0);
    await chain;
    const want = text.length - OPEN.length;
    await untilTrue(page, `(document.querySelector('[data-testid=text-context]')?.textContent.length ?? 0) >= ${want}`);

    const sentAt = (await (await fetch(`${baseURL}/times`)).json()) as number[];
    const grow = (await page.evaluate('window.__grow')) as [number, number][];
    // Token k is shown once the Context text holds everything up to its end.
    const lat: number[] = [];
    let end = 0;
    let g = 0;
    for (let k = 0; k < TOKENS; k++) {
      end += token(k).length;
      while (g < grow.length && grow[g]![1] < end) g++;
      if (g >= grow.length) throw new Error(`token ${k} never shown`);
      lat.push(grow[g]![0] - sentAt[k]!);
    }
    lat.sort((a, b) => a - b);
    const q = (p: number) => lat[Math.min(lat.length - 1, Math.floor(p * lat.length))]!;
    const p95 = q(0.95);
    console.log(
      JSON.stringify(
        {
          tokens: TOKENS,
          ratePerSecond: RATE,
          medianMs: Number(q(0.5).toFixed(2)),
          p95Ms: Number(p95.toFixed(2)),
          maxMs: Number(lat.at(-1)!.toFixed(2)),
          targetP95Ms: TARGET_P95_MS,
          pass: p95 < TARGET_P95_MS,
          panelUpdates: grow.length,
          loadAverage: loadavg().map((x) => Number(x.toFixed(2))),
        },
        null,
        2,
      ),
    );
  } finally {
    await browser.close();
    server.kill();
    rmSync(dir, { recursive: true, force: true });
  }
}

void main().catch((e) => {
  console.error(e);
  process.exit(1);
});
