import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '#local/runtime.ts';
import { launchBrowser, watchedPage } from '#test/support/browser.ts';
import {
  attemptsFor,
  eventually,
  queueDrained,
  sandboxLeads,
  sourceReloaded,
  startTestRuntime,
  testWorkspace,
} from '#test/support/runtime.ts';

const SCREENSHOTS = 'test-results';

/** A source whose leads Onpipeline refuses (an unknown custom field ID), until it is fixed. */
const refusedSource = (customFieldId: string) => `channel: form
form: { allowedOrigins: ["*"] }
lead:
  FirstName: first_name
  LastName: last_name
  Extra:
    - { id: "${customFieldId}", from: note }
`;

describe('the demo form and the dashboard in a real browser', () => {
  const workspace = testWorkspace({ 'spring-offer': refusedSource('999999') });
  let runtime: Runtime;
  let browser: Browser;
  let page: Page;
  const problems: string[] = [];

  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    runtime = await startTestRuntime(workspace);
    browser = await launchBrowser();
    // Script errors, CSP violations and dialogs land in `problems`.
    page = await watchedPage(browser, problems);
  });
  afterAll(async () => {
    await browser?.close();
    await runtime?.stop();
    workspace.cleanup();
  });

  it('sends a lead like a person, lands on the thank-you page, sees it on dashboard, sandbox', async () => {
    // Prepare
    await page.goto(`${runtime.gatewayUrl}/`);

    // Act
    await page.getByLabel('First name').fill('Zoë');
    await page.getByLabel('Last name').fill('Browser-Test');
    await page.getByLabel('Work e-mail').fill('zoe.browser@example.test');
    await page.getByLabel('Phone').fill('+34 600 111 222');
    await page.getByLabel('Company').fill('Acme Iberia');
    await page.getByLabel('City').fill('Valencia');
    await page.getByLabel('Country (2 letters)').fill('es');
    await page.getByLabel('Pricing').check();
    await page.getByLabel('A demo').check();
    await page.getByLabel('Message').fill('Please call me <b>tomorrow</b>');
    await page.getByRole('button', { name: 'Send' }).click();

    // Assess: the thank-you page
    await page.waitForURL('**/thanks');
    await expect(page.getByRole('heading', { name: 'Thank you!' }).isVisible()).resolves.toBe(true);

    // Assess: the dashboard shows the lead, delivered, with the exact Leadsin body sent
    await page.getByRole('link', { name: 'dashboard' }).click();
    const lead = page.locator('details.attempt[data-outcome="delivered"]', { hasText: 'Browser-Test' });
    await eventually(
      async () => {
        if ((await lead.count()) > 0) return true;
        await page.reload();
        return false;
      },
      15_000,
      'the lead on the dashboard',
    );
    const body = JSON.parse((await lead.first().locator('pre.body').textContent()) ?? '{}');
    expect(body).toMatchObject({
      FirstName: 'Zoë',
      LastName: 'Browser-Test',
      OrgName: 'Acme Iberia',
      City: 'Valencia',
      Country: 'ES',
      Email: [{ Address: 'zoe.browser@example.test', Type: 'work' }],
    });
    expect(body.Extra).toContainEqual({ ID: '1411084440', Value: 'Pricing, Demo' });
    expect(body.Extra).toContainEqual({ ID: '1411084441', Value: 'Please call me <b>tomorrow</b>' });
    await expect(page.locator('#count-delivered').textContent()).resolves.toBe('1');
    await page.screenshot({ path: `${SCREENSHOTS}/demo-form-dashboard.png`, fullPage: true });

    // Assess: the sandbox received exactly that body
    const received = await sandboxLeads(runtime);
    expect(received.map((item) => item.body)).toContainEqual(body);
    await page.goto(`${runtime.sandboxUrl}/`);
    await expect(page.getByRole('heading', { name: 'Zoë Browser-Test' }).isVisible()).resolves.toBe(true);
    await page.screenshot({ path: `${SCREENSHOTS}/demo-form-sandbox.png`, fullPage: true });
    expect(problems).toEqual([]);
  });

  it('previews a mapping in the playground without sending anything', async () => {
    // Prepare
    await page.goto(`${runtime.gatewayUrl}/#playground`);
    const before = (await sandboxLeads(runtime)).length ?? 0;

    // Act
    await page.getByLabel('Sample payload').fill('first_name=Ana\nemail=ANA@EXAMPLE.TEST');
    await page.getByRole('button', { name: 'Preview' }).click();
    const refused = page.locator('#playground-result .preview.bad');
    await refused.waitFor();
    await page
      .getByLabel('Sample payload')
      .fill('{"first_name": "Ana", "last_name": "Ruiz", "email": "ANA@EXAMPLE.TEST"}');
    await page.getByRole('button', { name: 'Preview' }).click();
    const mapped = page.locator('#playground-result .preview.ok pre');
    await mapped.waitFor();

    // Assess
    await expect(refused.count()).resolves.toBe(0);
    const body = JSON.parse((await mapped.textContent()) ?? '{}');
    expect(body).toMatchObject({
      FirstName: 'Ana',
      LastName: 'Ruiz',
      Email: [{ Address: 'ana@example.test' }],
    });
    expect(body.Extra).toContainEqual({ ID: '1411084437', Value: 'Website' });
    await page.locator('#playground').screenshot({ path: `${SCREENSHOTS}/playground.png` });
    await queueDrained(runtime);
    expect((await sandboxLeads(runtime)).length).toBe(before);
    expect(attemptsFor(runtime, 'last_name', 'Ruiz')).toEqual([]);
    expect(problems).toEqual([]);
  });

  it('shows a refused lead in the dead letters and redrives it with its button after a fix', async () => {
    // Prepare
    const response = await fetch(`${runtime.gatewayUrl}/v1/forms/spring-offer`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ first_name: 'Dee', last_name: 'Letter', note: 'spring' }),
    });
    expect(response.status).toBe(202);
    await page.goto(`${runtime.gatewayUrl}/#dlq`);
    const parked = page.locator('#dlq-list li.letter', { hasText: 'spring-offer' });
    await parked.waitFor({ timeout: 15_000 });
    await expect(parked.textContent()).resolves.toContain('onpipeline_rejected');
    await expect(page.locator('#count-dlq').textContent()).resolves.toBe('1');
    await page.locator('#dlq').screenshot({ path: `${SCREENSHOTS}/dead-letters.png` });

    // Act: marketing ops fix the custom field ID, then press Redrive
    writeFileSync(join(workspace.sourcesDir, 'spring-offer.yaml'), refusedSource('1411084438'));
    await sourceReloaded(runtime, 'spring-offer', { first_name: 'A', last_name: 'B', note: 'x' }, (body) =>
      JSON.stringify(body.Extra).includes('1411084438'),
    );
    await parked.getByRole('button', { name: 'Redrive' }).click();

    // Assess: the live dashboard shows it delivered, and the DLQ empty
    const delivered = page.locator('details.attempt[data-outcome="delivered"]', { hasText: 'Dee Letter' });
    await delivered.waitFor({ timeout: 15_000 });
    await page.locator('#dlq-empty').waitFor({ timeout: 15_000 });
    await expect(page.locator('#count-dlq').textContent()).resolves.toBe('0');
    const body = JSON.parse((await delivered.first().locator('pre.body').textContent()) ?? '{}');
    expect(body).toEqual({
      FirstName: 'Dee',
      LastName: 'Letter',
      Extra: [{ ID: '1411084438', Value: 'spring' }],
    });
    expect(problems).toEqual([]);
  });
});
