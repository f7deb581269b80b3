import http from 'node:http';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listenOnLoopback } from '#local/loopback.ts';
import type { Runtime } from '#local/runtime.ts';
import { launchBrowser } from '#test/support/browser.ts';
import {
  attemptFor,
  eventually,
  sandboxLeads,
  startTestRuntime,
  testWorkspace,
} from '#test/support/runtime.ts';

/**
 * Issue #14: attribution survives real browsers. A small website on its own origin (`localhost:<port>`,
 * another site than the gateway at `127.0.0.1:<port>`) includes `GET /leadgate.js` under a strict
 * Content-Security-Policy; the visitor lands with UTM parameters and a click id, moves on to another
 * page and submits there. The browser sends the gateway only the origin as Referer, so the values
 * can only arrive through the script (docs/sources.md, "Attribution on every page").
 */

const SOURCE_ID = 'attribution-site';

const source = (site: string) => `channel: form
form:
  allowedOrigins: ["${site}"]
  redirect: { success: "${site}/thanks" }
lead:
  FirstName: first_name
  LastName: last_name
  Extra:
    - { id: "1411084437", from: $first.utm.source }
    - { id: "1411084438", from: $first.utm.campaign }
    - { id: "1411084439", from: $utm.campaign }
    - { id: "1411084440", from: $first.landing }
    - { id: "1411084442", from: $first.click.gclid }
    - { id: "1411084443", from: $click.ttclid }
`;

/** The test website: pages that include the gateway's script, a classic form and a `fetch` form. */
function website(gateway: () => string) {
  const page = (title: string, body: string) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${title}</title>
<script src="${gateway()}/leadgate.js" data-days="30"></script></head>
<body><h1>${title}</h1>${body}</body></html>`;
  const pages: Record<string, () => string> = {
    '/landing': () => page('Spring offer', '<a href="/contact">Contact us</a> <a href="/signup">Sign up</a>'),
    '/contact': () =>
      page(
        'Contact',
        `<form method="post" action="${gateway()}/v1/forms/${SOURCE_ID}">
<label>First name <input name="first_name"></label>
<label>Last name <input name="last_name"></label>
<button>Send</button></form>`,
      ),
    '/signup': () =>
      page(
        'Sign up',
        `<form id="signup"><label>First name <input name="first_name"></label>
<label>Last name <input name="last_name"></label><button>Sign up</button></form>
<p id="result"></p><script src="/app.js"></script>`,
      ),
    '/thanks': () => '<!doctype html><html lang="en"><title>Thanks</title><h1>Thank you!</h1></html>',
  };
  // A page that posts with fetch, merging leadgate.fields() into its JSON body.
  const app = () => `document.getElementById('signup').addEventListener('submit', async (event) => {
  event.preventDefault();
  const form = new FormData(event.target);
  const body = { ...window.leadgate.fields(), first_name: form.get('first_name'), last_name: form.get('last_name') };
  const answer = await fetch('${gateway()}/v1/forms/${SOURCE_ID}', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify(body),
  });
  document.getElementById('result').textContent = answer.status + ' ' + (await answer.json()).status;
});`;
  return http.createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://site.invalid').pathname;
    // Scripts only from the site itself and the gateway; no inline script, no eval.
    const csp = `default-src 'self'; script-src 'self' ${gateway()}; connect-src ${gateway()}; form-action 'self' ${gateway()}`;
    if (path === '/app.js') {
      response.writeHead(200, { 'content-type': 'text/javascript' }).end(app());
      return;
    }
    const render = pages[path];
    if (!render) {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    response
      .writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-security-policy': csp })
      .end(render());
  });
}

describe('attribution across pages of another site, in a real browser', () => {
  let gatewayUrl = '';
  let site: Awaited<ReturnType<typeof listenOnLoopback>>;
  let siteUrl = '';
  let workspace: ReturnType<typeof testWorkspace>;
  let runtime: Runtime;
  let browser: Browser;
  const problems: string[] = [];

  beforeAll(async () => {
    site = await listenOnLoopback(
      website(() => gatewayUrl),
      0,
    );
    siteUrl = `http://localhost:${site.port}`; // another site than 127.0.0.1: cross-site, like production
    workspace = testWorkspace({ [SOURCE_ID]: source(siteUrl) });
    runtime = await startTestRuntime(workspace);
    gatewayUrl = runtime.gatewayUrl;
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await runtime?.stop();
    await site?.close();
    workspace?.cleanup();
  });

  /** A fresh visitor: its own localStorage; script errors and CSP violations are collected. */
  async function visitor(): Promise<{ context: BrowserContext; page: Page }> {
    const context = await browser.newContext();
    const page = await context.newPage();
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(`console: ${message.text()}`);
    });
    return { context, page };
  }

  function deliveredLead(lastName: string) {
    return eventually(
      async () => (await sandboxLeads(runtime)).find((lead) => lead.body.LastName === lastName),
      15_000,
      `the lead of ${lastName} at the sandbox`,
    );
  }

  it('carries the landing page values to a classic form post on another page', async () => {
    // Prepare
    const { context, page } = await visitor();
    await page.goto(
      `${siteUrl}/landing?utm_source=newsletter&utm_medium=email&utm_campaign=spring-2026&gclid=EAIaIQ-test-1`,
    );
    await page.getByRole('link', { name: 'Contact us' }).click();
    await page.waitForURL('**/contact');

    // Act
    await page.getByLabel('First name').fill('Ana');
    await page.getByLabel('Last name').fill('Landing-Test');
    await page.getByRole('button', { name: 'Send' }).click();
    await page.waitForURL('**/thanks');

    // Assess: the lead at Onpipeline holds the landing page's values, and nothing unmapped
    const lead = await deliveredLead('Landing-Test');
    expect(lead.body).toEqual({
      FirstName: 'Ana',
      LastName: 'Landing-Test',
      Extra: expect.arrayContaining([
        { ID: '1411084437', Value: 'newsletter' },
        { ID: '1411084438', Value: 'spring-2026' },
        { ID: '1411084439', Value: 'spring-2026' },
        { ID: '1411084440', Value: `${siteUrl}/landing` },
        { ID: '1411084442', Value: 'EAIaIQ-test-1' },
      ]),
    });
    expect(lead.body.Extra).toHaveLength(5);
    // Assess: the browser told the gateway only the origin: the old Referer fallback had nothing
    const attempt = await attemptFor(runtime, 'last_name', 'Landing-Test');
    expect(attempt.envelope?.context.referer).toBe(`${siteUrl}/`);
    expect(attempt.envelope?.fields).toMatchObject({
      lg_first_utm_campaign: 'spring-2026',
      lg_last_gclid: 'EAIaIQ-test-1',
      lg_first_landing: `${siteUrl}/landing`,
    });
    expect(problems).toEqual([]);
    await context.close();
  });

  it('gives a fetch form first and last touch through leadgate.fields()', async () => {
    // Prepare: first touch from a newsletter, a later visit from a TikTok ad
    const { context, page } = await visitor();
    await page.goto(`${siteUrl}/landing?utm_source=newsletter&utm_campaign=first-visit`);
    await page.goto(`${siteUrl}/signup?utm_source=tiktok&utm_campaign=second-visit&ttclid=tt-click-1`);

    // Act
    await page.getByLabel('First name').fill('Bea');
    await page.getByLabel('Last name').fill('Fetch-Test');
    await page.getByRole('button', { name: 'Sign up' }).click();
    await page.getByText('202 queued').waitFor();

    // Assess
    const lead = await deliveredLead('Fetch-Test');
    expect(lead.body.Extra).toEqual(
      expect.arrayContaining([
        { ID: '1411084437', Value: 'newsletter' },
        { ID: '1411084438', Value: 'first-visit' },
        { ID: '1411084439', Value: 'second-visit' },
        { ID: '1411084440', Value: `${siteUrl}/landing` },
        { ID: '1411084443', Value: 'tt-click-1' },
      ]),
    );
    expect(lead.body.Extra).toHaveLength(5);
    const stored = await page.evaluate(() =>
      JSON.parse(localStorage.getItem('leadgate.attribution') ?? '{}'),
    );
    expect(Object.keys(stored).sort()).toEqual(['first', 'last']);
    await expect(context.cookies()).resolves.toEqual([]);
    expect(problems).toEqual([]);
    await context.close();
  });
});
