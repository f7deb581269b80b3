import { existsSync } from 'node:fs';
import { type Browser, chromium, type Page } from 'playwright-core';

/**
 * Flags for a headless Chromium on a machine with no display and a closed network. Deliberately
 * NOT the flags `@sparticuz/chromium` suggests for Lambda (`--disable-web-security`,
 * `--disable-site-isolation-trials`, ...): the browser tests check CORS, CSP and origin refusals,
 * which those flags switch off.
 */
const FLAGS = [
  '--no-sandbox',
  '--no-zygote',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/**
 * Which Chromium the browser tests drive: `CHROMIUM_PATH` when set (a system chromium, say
 * `/usr/bin/chromium`), else the headless Chromium shipped inside the `@sparticuz/chromium` npm
 * package, unpacked on first use (a few seconds). So `npm ci && npm test` needs nothing from apt.
 *
 * @example
 * const browser = await launchBrowser();
 */
export async function chromiumPath(): Promise<string> {
  const configured = process.env.CHROMIUM_PATH;
  if (configured) {
    if (!existsSync(configured)) throw new Error(`CHROMIUM_PATH=${configured}: no such file`);
    return configured;
  }
  const bundled = (await import('@sparticuz/chromium')).default;
  return bundled.executablePath();
}

/** Launches headless Chromium (see `chromiumPath`) for the e2e tests. */
export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: await chromiumPath(), headless: true, args: FLAGS });
}

/**
 * A new 1280×900 page whose script errors, console errors and Content-Security-Policy violations,
 * and any dialog it opens (dismissed), are pushed to `problems`: a browser test asserts it is empty.
 *
 * @example
 * const problems: string[] = [];
 * const page = await watchedPage(browser, problems);
 */
export async function watchedPage(browser: Browser, problems: string[]): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console: ${message.text()}`);
  });
  page.on('dialog', (dialog) => {
    problems.push(`dialog: ${dialog.message()}`);
    void dialog.dismiss();
  });
  return page;
}
