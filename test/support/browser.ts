import { existsSync, mkdirSync } from 'node:fs';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import type { Runtime, RuntimeOptions } from '#local/runtime.ts';
import { startTestRuntime, type testWorkspace } from '#test/support/runtime.ts';

/** Where the browser tests save their screenshots. */
export const SCREENSHOTS = 'test-results';

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

/** What a browser test file works with: set by `browserSuite`'s `beforeAll`, read in the tests. */
export interface BrowserSuite {
  /** The real one-machine runtime (`startTestRuntime`). */
  runtime: Runtime;
  /** One watched page (`watchedPage`). */
  page: Page;
  /** What went wrong on the page: script errors, console errors, CSP violations, dialogs. */
  problems: string[];
}

/**
 * The frame of a browser test file, called inside its `describe`: before all its tests, the real
 * runtime over `workspace` (with `options`), headless Chromium and one watched page, and the
 * screenshots folder; after them, everything closed and the workspace removed.
 *
 * @example
 * const e2e = browserSuite(testWorkspace({ acme: source }), { deliver: false });
 * it('...', async () => {
 *   await e2e.page.goto(`${e2e.runtime.gatewayUrl}/`);
 *   expect(e2e.problems).toEqual([]);
 * });
 */
export function browserSuite(
  workspace: ReturnType<typeof testWorkspace>,
  options: RuntimeOptions = {},
): BrowserSuite {
  const suite = { problems: [] as string[] } as BrowserSuite;
  let browser: Browser | undefined;
  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    suite.runtime = await startTestRuntime(workspace, options);
    browser = await launchBrowser();
    suite.page = await watchedPage(browser, suite.problems);
  });
  afterAll(async () => {
    await browser?.close();
    await suite.runtime?.stop();
    workspace.cleanup();
  });
  return suite;
}
