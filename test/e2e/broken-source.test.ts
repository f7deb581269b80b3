import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { browserSuite, SCREENSHOTS } from '#test/support/browser.ts';
import { eventually, testWorkspace } from '#test/support/runtime.ts';

const springOffer = (transform: string, extraLine = '') => `channel: form
form: { allowedOrigins: ["*"] }
lead:
  FirstName: first_name
  LastName: { from: last_name, transform: ${transform} }
${extraLine}`;

describe('saving a broken source file while leadgate runs, in a real browser', () => {
  const workspace = testWorkspace({ 'spring-offer': springOffer('upper') });
  const file = join(workspace.sourcesDir, 'spring-offer.yaml');
  const e2e = browserSuite(workspace, { deliver: false });

  /** The playground's preview of spring-offer with the sample it prefills. */
  async function previewSpringOffer(): Promise<void> {
    await e2e.page.getByLabel('Source', { exact: true }).selectOption('spring-offer');
    await eventually(
      async () => (await e2e.page.getByLabel('Sample payload').inputValue()).includes('"last_name"'),
      5000,
      'the spring-offer sample in the playground',
    );
    await e2e.page.getByRole('button', { name: 'Preview' }).click();
    await e2e.page.locator('#playground-result .preview').first().waitFor({ timeout: 5000 });
  }

  it('shows a red banner within seconds of the save, and the playground says the file is invalid', async () => {
    // Prepare
    await e2e.page.goto(`${e2e.runtime.gatewayUrl}/`);
    const banner = e2e.page.locator('#source-problems');
    await expect(banner.isVisible()).resolves.toBe(false);

    // Act: a newcomer writes a transform that does not exist and a key with markup in it
    writeFileSync(file, springOffer('lowercase', '  "<img src=x onerror=alert(1)>": x\n'));

    // Assess: the banner appears on the open page, one line per problem, the markup shown as text
    await banner.waitFor({ state: 'visible', timeout: 5000 });
    const lines = await banner.locator('li').allTextContents();
    expect(lines).toEqual([
      expect.stringMatching(
        /spring-offer\.yaml:5 lead\.LastName\.transform: unknown transform "lowercase" \(did you mean "lower"\?\)/,
      ),
      expect.stringMatching(/spring-offer\.yaml:6 lead: unknown key "<img src=x onerror=alert\(1\)>"/),
    ]);
    await expect(banner.locator('img').count()).resolves.toBe(0);
    await expect(banner.textContent()).resolves.toContain('your last save was not applied');

    // Assess: a fresh load renders the same banner on the server, escaped
    await e2e.page.reload();
    await banner.waitFor({ state: 'visible', timeout: 5000 });
    await expect(banner.locator('li').allTextContents()).resolves.toEqual(lines);
    await expect(banner.locator('img').count()).resolves.toBe(0);
    await e2e.page.screenshot({ path: `${SCREENSHOTS}/broken-source-banner.png` });

    // Assess: the playground previews the last valid version and says so
    await previewSpringOffer();
    const stale = e2e.page.locator('#playground-result .preview-stale');
    await expect(stale.textContent()).resolves.toMatch(
      /spring-offer\.yaml on disk is invalid, so this preview uses the last version of spring-offer that validated/,
    );
    await expect(stale.locator('li').count()).resolves.toBe(2);
    const body = JSON.parse(
      (await e2e.page.locator('#playground-result .preview.ok pre').textContent()) ?? '{}',
    );
    expect(body.LastName).toBe('SAMPLE'); // transform: upper, the last valid version
    await e2e.page.locator('#playground').screenshot({ path: `${SCREENSHOTS}/broken-source-playground.png` });
    expect(e2e.problems).toEqual([]);
  });

  it('keeps the gateway answering with the last valid version of the broken source', async () => {
    // Act
    const response = await fetch(`${e2e.runtime.gatewayUrl}/v1/forms/spring-offer`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ first_name: 'Kept', last_name: 'Serving' }),
    });

    // Assess
    expect(response.status).toBe(202);
    expect(e2e.runtime.sourceState().stale).toEqual(['spring-offer']);
  });

  it('takes the banner away within seconds of the fix, and the playground previews the new file', async () => {
    // Prepare
    const banner = e2e.page.locator('#source-problems');
    await banner.waitFor({ state: 'visible', timeout: 5000 });

    // Act
    writeFileSync(file, springOffer('lower'));

    // Assess
    await banner.waitFor({ state: 'hidden', timeout: 5000 });
    await previewSpringOffer();
    await expect(e2e.page.locator('#playground-result .preview-stale').count()).resolves.toBe(0);
    const body = JSON.parse(
      (await e2e.page.locator('#playground-result .preview.ok pre').textContent()) ?? '{}',
    );
    expect(body.LastName).toBe('sample'); // transform: lower, the fixed file
    expect(e2e.problems).toEqual([]);
  });
});
