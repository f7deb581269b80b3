import { mkdirSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CAPTCHA_TEST_KEYS } from '#local/fakes/captcha.ts';
import type { Runtime } from '#local/runtime.ts';
import {
  eventually,
  postForm,
  sandboxLeads,
  startTestRuntime,
  testWorkspace,
} from '#test/support/runtime.ts';

// `npm start`'s CAPTCHA path end to end: the real runtime, its local siteverify stand-in
// (local/fakes/captcha.ts) honouring the providers' documented test keys, the secrets read from
// the gateway's own store (.leadgate/gateway-secrets.env), the queue, deliver and the sandbox.

const source = (provider: string, secret: string) => `channel: form
form:
  allowedOrigins: ["*"]
  captcha: { provider: ${provider}, secret: ${secret} }
lead:
  FirstName: first_name
  LastName: last_name
  Region: $captcha
`;

describe('form CAPTCHA through the one-machine runtime and its stand-in', () => {
  const workspace = testWorkspace({
    'cap-ts': source('turnstile', 'TURNSTILE_PASS'),
    'cap-ts-fail': source('turnstile', 'TURNSTILE_FAIL'),
    'cap-hc': source('hcaptcha', 'HCAPTCHA_TEST'),
    'cap-rc': source('recaptcha', 'RECAPTCHA_TEST'),
  });
  let runtime: Runtime;

  beforeAll(async () => {
    mkdirSync(workspace.dataDir, { recursive: true });
    writeFileSync(
      `${workspace.dataDir}/gateway-secrets.env`,
      [
        `TURNSTILE_PASS=${CAPTCHA_TEST_KEYS.turnstile.passSecret}`,
        `TURNSTILE_FAIL=${CAPTCHA_TEST_KEYS.turnstile.failSecret}`,
        `HCAPTCHA_TEST=${CAPTCHA_TEST_KEYS.hcaptcha.secret}`,
        `RECAPTCHA_TEST=${CAPTCHA_TEST_KEYS.recaptcha.secret}`,
        '',
      ].join('\n'),
    );
    runtime = await startTestRuntime(workspace);
  });
  afterAll(async () => {
    await runtime?.stop();
    workspace.cleanup();
  });

  const person = { first_name: 'Grace', last_name: 'Hopper' };
  const postJson = (sourceId: string, fields: Record<string, string>) =>
    postForm(runtime, sourceId, fields, { accept: 'application/json' });

  it.each([
    ['cap-ts', 'cf-turnstile-response', CAPTCHA_TEST_KEYS.turnstile.token],
    ['cap-hc', 'h-captcha-response', CAPTCHA_TEST_KEYS.hcaptcha.token],
    ['cap-rc', 'g-recaptcha-response', 'any-token-passes-with-the-test-secret'],
  ])(
    '%s: the test keys pass; the lead is delivered with $captcha=verified',
    async (sourceId, field, token) => {
      // Prepare
      const before = (await sandboxLeads(runtime)).length ?? 0;

      // Act
      const response = await postJson(sourceId, { ...person, [field]: token });

      // Assess
      expect(response.status).toBe(202);
      const lead = await eventually(
        async () => (await sandboxLeads(runtime))[before],
        10_000,
        'the lead in the sandbox',
      );
      expect(JSON.stringify(lead)).toContain('"Region":"verified"');
      expect(JSON.stringify(lead)).not.toContain(token);
    },
  );

  it.each([
    ['cap-ts-fail', 'cf-turnstile-response', CAPTCHA_TEST_KEYS.turnstile.token, 'the always-fail secret'],
    ['cap-ts', 'cf-turnstile-response', 'not-the-dummy-token', 'a token the test secret does not accept'],
    ['cap-hc', 'h-captcha-response', 'not-the-test-response', 'a response other than the test one'],
  ])('%s: refuses %s (%s) with 403 captcha_failed', async (sourceId, field, token) => {
    // Act
    const response = await postJson(sourceId, { ...person, [field]: token });

    // Assess
    expect(response.status).toBe(403);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('captcha_failed');
  });

  it('accepts and delivers the lead marked unverified while the provider answers 503', async () => {
    // Prepare
    const before = (await sandboxLeads(runtime)).length ?? 0;
    const fault = await fetch(`${runtime.captchaFakeUrl}/_fake/faults`, {
      method: 'POST',
      body: JSON.stringify({ status: 503, times: 1 }),
    });
    expect(fault.status).toBe(204);

    // Act
    const response = await postJson('cap-ts', {
      ...person,
      'cf-turnstile-response': CAPTCHA_TEST_KEYS.turnstile.token,
    });

    // Assess
    expect(response.status).toBe(202);
    const lead = await eventually(
      async () => (await sandboxLeads(runtime))[before],
      10_000,
      'the lead in the sandbox',
    );
    expect(JSON.stringify(lead)).toContain('"Region":"unverified"');
  });
});

describe('CAPTCHA verify URL settings at start', () => {
  it('refuses to start with a plain http verify URL that is not loopback, naming the setting', async () => {
    // Prepare
    const workspace = testWorkspace();

    // Act
    const starting = startTestRuntime(workspace, {
      captchaVerifyUrls: { TURNSTILE_VERIFY_URL: 'http://challenges.example.com/turnstile/v0/siteverify' },
    });

    // Assess
    await expect(starting).rejects.toThrow(/TURNSTILE_VERIFY_URL must use https/);
    workspace.cleanup();
  });
});
