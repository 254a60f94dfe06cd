// Debian's Chromium, headless, for the browser and end-to-end suites. Never a downloaded
// browser: `npx playwright install` cannot work on our machines. The background-networking
// flags keep Chromium from dialling out (our network is closed and refuses it noisily).
import { chromium, type Browser } from 'playwright-core';

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.OMNITRACE_CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}
