// Waiting for a condition checked from the test's side (what the fake host saw, a locator's
// text): polled until it holds, and a timeout names what was awaited. It only bounds a failure,
// so it is generous: loaded CI machines are slow. Expressions inside a page under a CSP go
// through pollPage.ts.

export async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
