import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '#local/runtime.ts';
import {
  attemptsFor,
  deadLetters,
  eventually,
  noteSource,
  postForm,
  queueDrained,
  sandboxLeads,
  startTestRuntime,
  testWorkspace,
} from '#test/support/runtime.ts';

describe('website form → queue → deliver → Onpipeline sandbox', () => {
  const workspace = testWorkspace({ 'rejected-by-crm': noteSource() });
  let runtime: Runtime;

  beforeAll(async () => {
    runtime = await startTestRuntime(workspace);
  });
  afterAll(async () => {
    await runtime?.stop();
    workspace.cleanup();
  });

  it('delivers a classic form post, mapped by the source config, and redirects to the thank-you page', async () => {
    // Prepare
    const before = (await sandboxLeads(runtime)).length;

    // Act
    const response = await postForm(
      runtime,
      'demo-contact',
      {
        first_name: '  Zoë ',
        last_name: 'Müller',
        email: ' ZOE@Example.TEST ',
        phone: '+34 600 000 000',
        company: 'Acme   Iberia',
        interests: ['Pricing', 'Demo'],
        message: 'Call me',
        _gotcha: '',
      },
      { referer: `${runtime.gatewayUrl}/?utm_campaign=spring&utm_source=newsletter` },
    );

    // Assess
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe('/thanks');
    const lead = await eventually(
      async () => (await sandboxLeads(runtime))[before],
      5000,
      'the lead in the sandbox',
    );
    expect(lead.body).toEqual({
      FirstName: 'Zoë',
      LastName: 'Müller',
      OrgName: 'Acme Iberia',
      Country: 'ES',
      Email: [{ Address: 'zoe@example.test', Type: 'work' }],
      Phone: [{ Number: '+34 600 000 000', Type: 'mobile' }],
      Extra: [
        { ID: '1411084437', Value: 'Website' },
        { ID: '1411084438', Value: 'spring' },
        { ID: '1411084440', Value: 'Pricing, Demo' },
        { ID: '1411084441', Value: 'Call me' },
      ],
    });
  });

  it('answers a fetch() JSON post with 202 and the lead id', async () => {
    // Act
    const response = await fetch(`${runtime.gatewayUrl}/v1/forms/demo-contact`, {
      method: 'POST',
      headers: {
        origin: 'http://localhost:8080',
        'content-type': 'application/json',
        accept: 'application/json',
      },
      body: JSON.stringify({ first_name: 'Ana', last_name: 'Ruiz', email: 'ana@example.test' }),
    });

    // Assess
    expect(response.status).toBe(202);
    expect(response.headers.get('access-control-allow-origin')).toBe('http://localhost:8080');
    const answer = (await response.json()) as { id: string; status: string };
    expect(answer).toEqual({ id: expect.stringMatching(/^[0-9A-Z]{26}$/), status: 'queued' });
    await eventually(
      async () => (await sandboxLeads(runtime)).some((lead) => lead.body.LastName === 'Ruiz'),
      5000,
      'Ruiz in the sandbox',
    );
  });

  it('accepts multipart posts and drops file parts', async () => {
    // Prepare
    const form = new FormData();
    form.append('first_name', 'Jörg');
    form.append('last_name', 'Šimek');
    form.append('cv', new Blob(['%PDF-1.4 not really']), 'cv.pdf');

    // Act
    const response = await fetch(`${runtime.gatewayUrl}/v1/forms/demo-contact`, {
      method: 'POST',
      headers: { origin: runtime.gatewayUrl, accept: 'application/json' },
      body: form,
    });

    // Assess
    expect(response.status).toBe(202);
    const lead = await eventually(
      async () => (await sandboxLeads(runtime)).find((item) => item.body.LastName === 'Šimek'),
      5000,
      'Šimek',
    );
    expect(JSON.stringify(lead.body)).not.toContain('PDF');
  });

  it('answers 422 with the field errors when required fields are missing, and queues nothing', async () => {
    // Act
    const response = await fetch(`${runtime.gatewayUrl}/v1/forms/demo-contact`, {
      method: 'POST',
      headers: { origin: runtime.gatewayUrl, 'content-type': 'application/json' },
      body: JSON.stringify({ first_name: 'OnlyFirst' }),
    });

    // Assess
    expect(response.status).toBe(422);
    const answer = (await response.json()) as { error: { code: string; fields: Record<string, string> } };
    expect(answer.error.code).toBe('validation_failed');
    expect(Object.keys(answer.error.fields)).toEqual(['LastName']);
    await queueDrained(runtime);
    expect(attemptsFor(runtime, 'first_name', 'OnlyFirst')).toEqual([]);
  });

  it('redirects a classic post that fails validation to the failure page with the error code', async () => {
    // Act
    const response = await postForm(runtime, 'demo-contact', { first_name: 'NoLast' });

    // Assess
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe('/?error=validation_failed');
  });

  it('answers a filled honeypot as if accepted, and drops the lead', async () => {
    // Prepare
    const before = (await sandboxLeads(runtime)).length;

    // Act
    const response = await postForm(runtime, 'demo-contact', {
      first_name: 'Spam',
      last_name: 'Bot',
      _gotcha: 'http://spam.example',
    });
    const control = await postForm(runtime, 'demo-contact', { first_name: 'Real', last_name: 'Person' });

    // Assess
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe('/thanks');
    expect(control.status).toBe(303);
    await eventually(
      async () => (await sandboxLeads(runtime)).some((lead) => lead.body.LastName === 'Person'),
      5000,
      'the control lead',
    );
    await queueDrained(runtime);
    expect(attemptsFor(runtime, 'last_name', 'Bot')).toEqual([]);
    expect((await sandboxLeads(runtime)).slice(before).some((lead) => lead.body.LastName === 'Bot')).toBe(
      false,
    );
  });

  it('parks a lead Onpipeline rejects (406) in the DLQ with its reason, without retrying it', async () => {
    // Act
    const response = await fetch(`${runtime.gatewayUrl}/v1/forms/rejected-by-crm`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ first_name: 'Dee', last_name: 'Ell', note: 'x' }),
    });

    // Assess
    expect(response.status).toBe(202);
    const { id } = (await response.json()) as { id: string };
    const parked = await eventually(
      async () => (await deadLetters(runtime)).find((message) => message.Body?.includes(id)),
      8000,
      'the lead in leads-dlq',
    );
    const attributes = Object.fromEntries(
      Object.entries(parked.MessageAttributes ?? {}).map(([name, value]) => [name, value.StringValue]),
    );
    expect(attributes).toMatchObject({
      reason: 'onpipeline_rejected',
      status: '406',
      source: 'rejected-by-crm',
      attempts: '1',
      message: expect.stringContaining('999999'),
    });
    expect((await sandboxLeads(runtime)).some((lead) => lead.body.LastName === 'Ell')).toBe(false);
  });

  it.each([
    ['unknown source', '/v1/forms/nope', { 'content-type': 'application/json' }, '{}', 404, 'unknown_source'],
    [
      'wrong content type',
      '/v1/forms/demo-contact',
      { 'content-type': 'text/plain' },
      'hi',
      415,
      'unsupported_media_type',
    ],
    [
      'malformed JSON',
      '/v1/forms/demo-contact',
      { 'content-type': 'application/json' },
      '{"a":',
      400,
      'malformed_body',
    ],
    [
      'foreign origin',
      '/v1/forms/demo-contact',
      { 'content-type': 'application/json', origin: 'https://evil.test' },
      '{}',
      403,
      'origin_not_allowed',
    ],
    ['unknown route', '/v1/nothing', { 'content-type': 'application/json' }, '{}', 404, 'not_found'],
  ])('rejects %s with a JSON 4xx and a machine code', async (_name, path, headers, body, status, code) => {
    // Act
    const response = await fetch(`${runtime.gatewayUrl}${path}`, {
      method: 'POST',
      headers: { origin: runtime.gatewayUrl, accept: 'application/json', ...headers },
      body,
    });

    // Assess
    expect(response.status).toBe(status);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe(code);
  });

  it('answers 413 for a body over 256 KB', async () => {
    // Act
    const response = await fetch(`${runtime.gatewayUrl}/v1/forms/demo-contact`, {
      method: 'POST',
      headers: { origin: runtime.gatewayUrl, 'content-type': 'application/json' },
      body: JSON.stringify({ first_name: 'Big', last_name: 'Body', message: 'x'.repeat(300 * 1024) }),
    });

    // Assess
    expect(response.status).toBe(413);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('payload_too_large');
  });

  it('answers the CORS preflight for an allowed origin only', async () => {
    // Act
    const allowed = await fetch(`${runtime.gatewayUrl}/v1/forms/demo-contact`, {
      method: 'OPTIONS',
      headers: { origin: 'http://localhost:5173', 'access-control-request-method': 'POST' },
    });
    const refused = await fetch(`${runtime.gatewayUrl}/v1/forms/demo-contact`, {
      method: 'OPTIONS',
      headers: { origin: 'https://evil.test', 'access-control-request-method': 'POST' },
    });

    // Assess
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get('access-control-allow-origin')).toBe('http://localhost:5173');
    expect(allowed.headers.get('access-control-allow-methods')).toContain('POST');
    expect(refused.status).toBe(403);
  });

  it('serves the demo form page and a health check', async () => {
    const page = await fetch(`${runtime.gatewayUrl}/`);
    const health = await fetch(`${runtime.gatewayUrl}/health`);

    expect(page.status).toBe(200);
    expect(await page.text()).toContain('action="/v1/forms/demo-contact"');
    expect(await health.json()).toEqual({ status: 'ok' });
  });
});
