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
