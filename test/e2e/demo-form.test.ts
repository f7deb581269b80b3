import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { browserSuite, SCREENSHOTS } from '#test/support/browser.ts';
import {
  attemptsFor,
  eventually,
  KNOWN_CUSTOM_FIELD_ID,
  noteSource,
  queueDrained,
  sandboxLeads,
  sourceReloaded,
  testWorkspace,
} from '#test/support/runtime.ts';

describe('the demo form and the dashboard in a real browser', () => {
  const workspace = testWorkspace({ 'spring-offer': noteSource() });
  const e2e = browserSuite(workspace);

  it('sends a lead like a person, lands on the thank-you page, sees it on dashboard, sandbox', async () => {
    // Prepare
    await e2e.page.goto(`${e2e.runtime.gatewayUrl}/`);

    // Act
    await e2e.page.getByLabel('First name').fill('Zoë');
    await e2e.page.getByLabel('Last name').fill('Browser-Test');
    await e2e.page.getByLabel('Work e-mail').fill('zoe.browser@example.test');
    await e2e.page.getByLabel('Phone').fill('+34 600 111 222');
    await e2e.page.getByLabel('Company').fill('Acme Iberia');
    await e2e.page.getByLabel('City').fill('Valencia');
    await e2e.page.getByLabel('Country (2 letters)').fill('es');
    await e2e.page.getByLabel('Pricing').check();
    await e2e.page.getByLabel('A demo').check();
    await e2e.page.getByLabel('Message').fill('Please call me <b>tomorrow</b>');
    await e2e.page.getByRole('button', { name: 'Send' }).click();

    // Assess: the thank-you page
    await e2e.page.waitForURL('**/thanks');
    await expect(e2e.page.getByRole('heading', { name: 'Thank you!' }).isVisible()).resolves.toBe(true);

    // Assess: the dashboard shows the lead, delivered, with the exact Leadsin body sent
    await e2e.page.getByRole('link', { name: 'dashboard' }).click();
    const lead = e2e.page.locator('details.attempt[data-outcome="delivered"]', { hasText: 'Browser-Test' });
    await eventually(
      async () => {
        if ((await lead.count()) > 0) return true;
        await e2e.page.reload();
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
    await expect(e2e.page.locator('#count-delivered').textContent()).resolves.toBe('1');
    await e2e.page.screenshot({ path: `${SCREENSHOTS}/demo-form-dashboard.png`, fullPage: true });

    // Assess: the sandbox received exactly that body
    const received = await sandboxLeads(e2e.runtime);
    expect(received.map((item) => item.body)).toContainEqual(body);
    await e2e.page.goto(`${e2e.runtime.sandboxUrl}/`);
    await expect(e2e.page.getByRole('heading', { name: 'Zoë Browser-Test' }).isVisible()).resolves.toBe(true);
    await e2e.page.screenshot({ path: `${SCREENSHOTS}/demo-form-sandbox.png`, fullPage: true });
    expect(e2e.problems).toEqual([]);
  });

  it('previews a mapping in the playground without sending anything', async () => {
    // Prepare
    await e2e.page.goto(`${e2e.runtime.gatewayUrl}/#playground`);
    const before = (await sandboxLeads(e2e.runtime)).length ?? 0;

    // Act
    await e2e.page.getByLabel('Sample payload').fill('first_name=Ana\nemail=ANA@EXAMPLE.TEST');
    await e2e.page.getByRole('button', { name: 'Preview' }).click();
    const refused = e2e.page.locator('#playground-result .preview.bad');
    await refused.waitFor();
    await e2e.page
      .getByLabel('Sample payload')
      .fill('{"first_name": "Ana", "last_name": "Ruiz", "email": "ANA@EXAMPLE.TEST"}');
    await e2e.page.getByRole('button', { name: 'Preview' }).click();
    const mapped = e2e.page.locator('#playground-result .preview.ok pre');
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
    await e2e.page.locator('#playground').screenshot({ path: `${SCREENSHOTS}/playground.png` });
    await queueDrained(e2e.runtime);
    expect((await sandboxLeads(e2e.runtime)).length).toBe(before);
    expect(attemptsFor(e2e.runtime, 'last_name', 'Ruiz')).toEqual([]);
    expect(e2e.problems).toEqual([]);
  });

  it('shows a refused lead in the dead letters and redrives it with its button after a fix', async () => {
    // Prepare
    const response = await fetch(`${e2e.runtime.gatewayUrl}/v1/forms/spring-offer`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ first_name: 'Dee', last_name: 'Letter', note: 'spring' }),
    });
    expect(response.status).toBe(202);
    await e2e.page.goto(`${e2e.runtime.gatewayUrl}/#dlq`);
    const parked = e2e.page.locator('#dlq-list li.letter', { hasText: 'spring-offer' });
    await parked.waitFor({ timeout: 15_000 });
    await expect(parked.textContent()).resolves.toContain('onpipeline_rejected');
    await expect(e2e.page.locator('#count-dlq').textContent()).resolves.toBe('1');
    await e2e.page.locator('#dlq').screenshot({ path: `${SCREENSHOTS}/dead-letters.png` });

    // Act: marketing ops fix the custom field ID, then press Redrive
    writeFileSync(join(workspace.sourcesDir, 'spring-offer.yaml'), noteSource(KNOWN_CUSTOM_FIELD_ID));
    await sourceReloaded(
      e2e.runtime,
      'spring-offer',
      { first_name: 'A', last_name: 'B', note: 'x' },
      (body) => JSON.stringify(body.Extra).includes('1411084438'),
    );
    await parked.getByRole('button', { name: 'Redrive' }).click();

    // Assess: the live dashboard shows it delivered, and the DLQ empty
    const delivered = e2e.page.locator('details.attempt[data-outcome="delivered"]', {
      hasText: 'Dee Letter',
    });
    await delivered.waitFor({ timeout: 15_000 });
    await e2e.page.locator('#dlq-empty').waitFor({ timeout: 15_000 });
    await expect(e2e.page.locator('#count-dlq').textContent()).resolves.toBe('0');
    const body = JSON.parse((await delivered.first().locator('pre.body').textContent()) ?? '{}');
    expect(body).toEqual({
      FirstName: 'Dee',
      LastName: 'Letter',
      Extra: [{ ID: '1411084438', Value: 'spring' }],
    });
    expect(e2e.problems).toEqual([]);
  });
});
