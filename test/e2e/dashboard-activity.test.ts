import { describe, expect, it } from 'vitest';
import { SANDBOX_TOKEN } from '#local/sandbox/server.ts';
import { secretStore } from '#shared/security/secrets.ts';
import { browserSuite, SCREENSHOTS } from '#test/support/browser.ts';
import { eventually, sandboxLeads, testWorkspace } from '#test/support/runtime.ts';

/** A partner feed whose leads carry their own id in `ref` (the dedupe key). */
const partnerSource = `channel: partner
partner: { apiKeys: [E2E_PARTNER_KEY], leadIdField: ref }
lead:
  FirstName: first_name
  LastName: last_name
`;

const secrets = { ONPIPELINE_TOKEN: SANDBOX_TOKEN, E2E_PARTNER_KEY: 'e2e-partner-key' };

describe('the dashboard: duplicates and activity charts in a real browser', () => {
  const workspace = testWorkspace({ 'e2e-partner': partnerSource });
  const e2e = browserSuite(workspace, {
    secrets: secretStore(async () => secrets),
    retryDelay: () => 1, // a lead that meets its twin in flight is retried a second later
  });

  it('answers a batch with a repeated lead id with one id and shows the repeat as a duplicate of the one sent', async () => {
    // Prepare
    const batch = [
      { ref: 'ACME-7', first_name: 'Primo', last_name: 'Original' },
      { ref: 'ACME-7', first_name: 'Secondo', last_name: 'Repeat' },
    ];

    // Act
    const response = await fetch(`${e2e.runtime.gatewayUrl}/v1/partners/e2e-partner/leads`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': secrets.E2E_PARTNER_KEY },
      body: JSON.stringify(batch),
    });
    const answer = (await response.json()) as { results: { id: string }[] };
    const ids = answer.results.map((result) => result.id);
    const pairLeads = async () =>
      (await sandboxLeads(e2e.runtime)).filter((lead) => ['Original', 'Repeat'].includes(lead.body.LastName));
    const sentLead = await eventually(
      async () => (await pairLeads())[0],
      20_000,
      'the batch delivered to Onpipeline',
    );
    // The two are delivered in parallel: whichever claimed the dedupe key first is the one sent.
    const sentIndex = sentLead.body.LastName === 'Original' ? 0 : 1;
    // Both carry the partner's lead id ACME-7: the same lead for leadgate, answered with one id
    const sentId = ids[0] as string;
    await e2e.page.goto(`${e2e.runtime.gatewayUrl}/#leads`);
    const duplicate = e2e.page.locator(
      `details.attempt[data-lead-id="${sentId}"][data-outcome="deduplicated"]`,
    );
    await eventually(
      async () => (await duplicate.count()) > 0,
      20_000,
      'the other lead shown as a duplicate (the dashboard refreshes itself)',
    );

    // Assess: Onpipeline holds one lead of the two
    expect(response.status).toBe(202);
    expect(ids).toEqual([sentId, sentId]);
    expect((await pairLeads()).map((lead) => lead.body)).toEqual([
      batch.map(({ ref: _, ...body }) => ({
        FirstName: body.first_name,
        LastName: body.last_name,
      }))[sentIndex],
    ]);

    // Assess: the other is a duplicate, referencing the lead sent, showing the body that was sent
    await duplicate.evaluate((element) => {
      (element as HTMLDetailsElement).open = true;
    });
    await expect(duplicate.locator('.badge').textContent()).resolves.toBe('duplicate');
    const note = duplicate.locator('.duplicate-of');
    await expect(note.getAttribute('data-duplicate-of')).resolves.toBe(sentId);
    await expect(note.textContent()).resolves.toContain(`Duplicate of lead ${sentId}`);
    await expect(duplicate.locator('h3').first().textContent()).resolves.toBe(
      'Leadsin body sent (by its first copy)',
    );
    const shownBody = JSON.parse((await duplicate.locator('pre.body').textContent()) ?? '{}');
    expect(shownBody).toEqual(sentLead.body);
    await expect(duplicate.locator('summary').textContent()).resolves.not.toContain('delivered');

    // Assess: the link leads to the first lead's attempt, delivered, and opens it
    await note.getByRole('link', { name: `lead ${sentId}` }).click();
    const first = e2e.page.locator(`details.attempt#sent-${sentId}`);
    await expect(first.getAttribute('data-outcome')).resolves.toBe('delivered');
    await expect(first.evaluate((element) => (element as HTMLDetailsElement).open)).resolves.toBe(true);
    await expect(e2e.page.locator('#count-delivered').textContent()).resolves.toBe('1');
    await e2e.page.locator('#leads').screenshot({ path: `${SCREENSHOTS}/dashboard-duplicate.png` });
    expect(e2e.problems).toEqual([]);
  });

  it('draws leads per source, outcomes and latency as inline SVG charts without personal data', async () => {
    // Prepare
    const form = (first: string, last: string) =>
      fetch(`${e2e.runtime.gatewayUrl}/v1/forms/demo-contact`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json',
          origin: e2e.runtime.gatewayUrl,
        },
        body: JSON.stringify({ first_name: first, last_name: last, email: `${first}@chart.example.test` }),
      });
    await e2e.page.goto(`${e2e.runtime.gatewayUrl}/`);

    // Act
    const answers = await Promise.all([form('Carla', 'Chartwell'), form('Dario', 'Chartwell')]);
    const demoRow = e2e.page.locator('#chart-leads .chart-row[data-source="demo-contact"]');
    await eventually(
      async () =>
        (await demoRow.count()) > 0 && (await e2e.page.locator('#count-delivered').textContent()) === '3',
      20_000,
      'the demo leads delivered and drawn (the dashboard refreshes itself)',
    );
    await eventually(
      async () => ((await e2e.page.locator('#chart-latency path.p50').getAttribute('d')) ?? '') !== '',
      20_000,
      'the latency chart drawn',
    );

    // Assess: one bar chart per source, an outcomes chart and a latency chart, with drawn paths
    expect(answers.map((answer) => answer.status)).toEqual([202, 202]);
    const paths = async (selector: string) =>
      e2e.page
        .locator(selector)
        .evaluateAll((elements) => elements.map((element) => element.getAttribute('d') ?? ''));
    expect((await paths('#chart-leads .chart-row[data-source="demo-contact"] svg path.leads'))[0]).toMatch(
      /^M/,
    );
    expect((await paths('#chart-leads .chart-row[data-source="e2e-partner"] svg path.leads'))[0]).toMatch(
      /^M/,
    );
    expect((await paths('#chart-outcomes svg path.delivered'))[0]).toMatch(/^M/);
    expect((await paths('#chart-outcomes svg path.dead-lettered'))[0]).toBe('');
    expect((await paths('#chart-latency svg path.p95'))[0]).toMatch(/^M/);
    await expect(demoRow.textContent()).resolves.toMatch(/demo-contact\s+2/);
    await expect(e2e.page.locator('#chart-outcomes .legend').textContent()).resolves.toMatch(/delivered 4/);
    const charts = (await e2e.page.locator('#activity').innerHTML()).toLowerCase();
    for (const personal of ['carla', 'dario', 'chartwell', 'primo', 'secondo', '@']) {
      expect(charts).not.toContain(personal);
    }
    await e2e.page.locator('#activity').screenshot({ path: `${SCREENSHOTS}/dashboard-activity.png` });
    expect(e2e.problems).toEqual([]);
  });
});
