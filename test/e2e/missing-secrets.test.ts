import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { browserSuite, SCREENSHOTS } from '#test/support/browser.ts';
import { testWorkspace } from '#test/support/runtime.ts';

const KEY_VALUE = 'acme-partner-key-value-4b9d2e';

const acmePartner = `channel: partner
partner: { apiKeys: [ACME_API_KEY] }
lead:
  FirstName: first_name
  LastName: { from: last_name, default: "-" }
`;

describe('a partner source without its secret, on the dashboard in a real browser', () => {
  const workspace = testWorkspace({ acme: acmePartner });
  const e2e = browserSuite(workspace, { deliver: false });

  const postLead = () =>
    fetch(`${e2e.runtime.gatewayUrl}/v1/partners/acme/leads`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': KEY_VALUE },
      body: JSON.stringify({ first_name: 'Test', last_name: 'Partner' }),
    });

  it('names the source, the missing secret and the file it goes into, and the partner gets 503', async () => {
    // Act
    await e2e.page.goto(`${e2e.runtime.gatewayUrl}/`);
    const answer = await postLead();

    // Assess
    const notice = e2e.page.locator('#missing-secrets');
    await notice.waitFor({ state: 'visible', timeout: 5000 });
    const lines = await notice.locator('li').allTextContents();
    expect(lines).toEqual([
      `acme (partner): ACME_API_KEY → ${join(workspace.dataDir, 'gateway-secrets.env')}`,
    ]);
    await expect(notice.textContent()).resolves.toContain('503 auth_unavailable');
    expect(answer.status).toBe(503);
    expect(((await answer.json()) as { error: { code: string } }).error.code).toBe('auth_unavailable');
    await notice.screenshot({ path: `${SCREENSHOTS}/missing-secrets-notice.png` });
    expect(e2e.problems).toEqual([]);
  });

  it('goes away once the key is in gateway-secrets.env, without a reload, and the partner gets 202', async () => {
    // Prepare
    const notice = e2e.page.locator('#missing-secrets');
    await notice.waitFor({ state: 'visible', timeout: 5000 });

    // Act
    writeFileSync(join(workspace.dataDir, 'gateway-secrets.env'), `ACME_API_KEY=${KEY_VALUE}\n`);

    // Assess
    await notice.waitFor({ state: 'hidden', timeout: 5000 });
    const api = await fetch(`${e2e.runtime.gatewayUrl}/_local/missing-secrets`);
    expect(await api.json()).toMatchObject({ sources: [] });
    expect(await e2e.page.content()).not.toContain(KEY_VALUE);
    expect((await postLead()).status).toBe(202);
    expect(e2e.problems).toEqual([]);
  });
});
