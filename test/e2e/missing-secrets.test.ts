import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '#local/runtime.ts';
import { launchBrowser, watchedPage } from '#test/support/browser.ts';
import { startTestRuntime, testWorkspace } from '#test/support/runtime.ts';

const SCREENSHOTS = 'test-results';
const KEY_VALUE = 'acme-partner-key-value-4b9d2e';

const acmePartner = `channel: partner
partner: { apiKeys: [ACME_API_KEY] }
lead:
  FirstName: first_name
  LastName: { from: last_name, default: "-" }
`;

describe('a partner source without its secret, on the dashboard in a real browser', () => {
  const workspace = testWorkspace({ acme: acmePartner });
  let runtime: Runtime;
  let browser: Browser;
  let page: Page;
  const problems: string[] = [];

  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    runtime = await startTestRuntime(workspace, { deliver: false });
    browser = await launchBrowser();
    // Script errors, CSP violations and dialogs land in `problems`.
    page = await watchedPage(browser, problems);
  });
  afterAll(async () => {
    await browser?.close();
    await runtime?.stop();
    workspace.cleanup();
  });

  const postLead = () =>
    fetch(`${runtime.gatewayUrl}/v1/partners/acme/leads`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': KEY_VALUE },
      body: JSON.stringify({ first_name: 'Test', last_name: 'Partner' }),
    });

  it('names the source, the missing secret and the file it goes into, and the partner gets 503', async () => {
    // Act
    await page.goto(`${runtime.gatewayUrl}/`);
    const answer = await postLead();

    // Assess
    const notice = page.locator('#missing-secrets');
    await notice.waitFor({ state: 'visible', timeout: 5000 });
    const lines = await notice.locator('li').allTextContents();
    expect(lines).toEqual([
      `acme (partner): ACME_API_KEY → ${join(workspace.dataDir, 'gateway-secrets.env')}`,
    ]);
    await expect(notice.textContent()).resolves.toContain('503 auth_unavailable');
    expect(answer.status).toBe(503);
    expect(((await answer.json()) as { error: { code: string } }).error.code).toBe('auth_unavailable');
    await notice.screenshot({ path: `${SCREENSHOTS}/missing-secrets-notice.png` });
    expect(problems).toEqual([]);
  });

  it('goes away once the key is in gateway-secrets.env, without a reload, and the partner gets 202', async () => {
    // Prepare
    const notice = page.locator('#missing-secrets');
    await notice.waitFor({ state: 'visible', timeout: 5000 });

    // Act
    writeFileSync(join(workspace.dataDir, 'gateway-secrets.env'), `ACME_API_KEY=${KEY_VALUE}\n`);

    // Assess
    await notice.waitFor({ state: 'hidden', timeout: 5000 });
    const api = await fetch(`${runtime.gatewayUrl}/_local/missing-secrets`);
    expect(await api.json()).toMatchObject({ sources: [] });
    expect(await page.content()).not.toContain(KEY_VALUE);
    expect((await postLead()).status).toBe(202);
    expect(problems).toEqual([]);
  });
});
