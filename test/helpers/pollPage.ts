// Waiting for a condition in a page or frame that runs under a strict CSP (our webviews, the
// report). Playwright's waitForFunction compiles its predicate inside the page, which a CSP
// without 'unsafe-eval' refuses as soon as the first check fails; evaluate is not refused. So the
// expression is polled from here until it is true, and the error names what was awaited.

import type { Frame, Page } from 'playwright-core';

export async function untilTrue(target: Page | Frame, expression: string, what: string = expression, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await target.evaluate(expression))) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/**
 * Resolves as soon as `expression` is true in the page, checked on every DOM change by a
 * MutationObserver inside it: no polling from here, whose page evaluations (each a round trip
 * and a style flush) would take CPU from what a benchmark measures on a 2-core machine.
 */
export async function whenTrue(target: Page | Frame, expression: string, what: string = expression, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await observeUntil(target, expression, Math.max(0, deadline - Date.now()))) return;
    } catch (e) {
      // The page navigated (a webview reloads when its folders change): watch the new one.
      if (!/Execution context was destroyed/.test(String(e)) || Date.now() > deadline) throw e;
      continue;
    }
    throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
  }
}

function observeUntil(target: Page | Frame, expression: string, timeoutMs: number): Promise<boolean> {
  return target.evaluate(`new Promise((resolve) => {
    const check = () => { try { return Boolean(${expression}); } catch { return false; } };
    if (check()) return resolve(true);
    const timer = setTimeout(() => { observer.disconnect(); resolve(false); }, ${timeoutMs});
    const observer = new MutationObserver(() => {
      if (!check()) return;
      clearTimeout(timer);
      observer.disconnect();
      resolve(true);
    });
    observer.observe(document, { subtree: true, childList: true, characterData: true, attributes: true });
  })`) as Promise<boolean>;
}
