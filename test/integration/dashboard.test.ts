import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Script } from 'node:vm';
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startGateway } from '#local/gateway.ts';
import { localPages } from '#local/pages.ts';
import { ensureQueues, type QueueUrls, startEmbeddedQueue } from '#local/queue.ts';
import type { DeliveryAttempt } from '#shared/delivery/deliver.ts';
import type { Envelope } from '#shared/envelope.ts';
import { json } from '#shared/http/response.ts';
import { customFieldsCacheText } from '#shared/preview/custom-fields-cache.ts';
import { leadQueue, sqsClient } from '#shared/queue/client.ts';
import { sourceRegistry } from '#shared/sources/registry.ts';
import { eventually, rawRequest, testWorkspace } from '#test/support/runtime.ts';

const hostile = '<script>alert("x")</script>';

function envelope(overrides: Partial<Envelope> = {}): Envelope {
  return {
    v: 1,
    id: '01JTESTLEAD0000000000000001',
    sourceId: 'demo-contact',
    channel: 'form',
    receivedAt: '2025-01-01T10:00:00.000Z',
    dedupeKey: 'form:01JTESTLEAD0000000000000001',
    fields: { first_name: 'Ana', last_name: 'Ruiz', email: 'ana@example.test' },
    context: { source: 'demo-contact' },
    ...overrides,
  };
}

function attempt(overrides: Partial<DeliveryAttempt> = {}): DeliveryAttempt {
  return {
    at: '2025-01-01T10:00:01.000Z',
    messageId: 'message-1',
    envelope: envelope(),
    outcome: { kind: 'delivered', status: 201, leadId: '4242' },
    body: { FirstName: 'Ana', LastName: 'Ruiz', Email: [{ Address: 'ana@example.test', Type: 'work' }] },
    attempt: 1,
    ...overrides,
  };
}

describe('the one-machine dashboard', () => {
  const workspace = testWorkspace({
    'partner-acme': `channel: partner
partner: { apiKeys: [ACME_KEY] }
lead:
  FirstName: first_name
  LastName: { from: last_name, default: "-" }
`,
  });
  const attempts: DeliveryAttempt[] = [];
  let stopQueue: () => Promise<void>;
  let sqs: SQSClient;
  let urls: QueueUrls;
  let gateway: Awaited<ReturnType<typeof startGateway>>;
  let origin: string;

  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${gateway.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin, 'sec-fetch-site': 'same-origin', ...headers },
      body: JSON.stringify(body),
    });

  beforeAll(async () => {
    const queue = await startEmbeddedQueue({ port: 0, dataDir: join(workspace.root, 'queue') });
    stopQueue = () => queue.stop();
    sqs = sqsClient(queue.endpoint);
    urls = await ensureQueues(sqs);
    gateway = await startGateway({
      port: 0,
      handler: async () => json(404, { error: { code: 'not_found', message: 'stub' } }),
      pages: localPages({
        sandboxUrl: 'http://127.0.0.1:3001',
        recentAttempts: () => attempts,
        sqs,
        queueUrls: urls,
        sources: sourceRegistry(workspace.sourcesDir),
        sourcesDir: workspace.sourcesDir,
      }),
    });
    origin = gateway.url;
  });
  afterAll(async () => {
    await gateway?.stop();
    sqs?.destroy();
    await stopQueue?.();
    workspace.cleanup();
  });
  beforeEach(() => {
    attempts.length = 0;
  });

  it('serves the demo form, the sections and a strict Content-Security-Policy at /', async () => {
    // Act
    const response = await fetch(`${gateway.url}/`);
    const page = await response.text();

    // Assess
    expect(response.status).toBe(200);
    const csp = response.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe-inline');
    expect(page).toContain('action="/v1/forms/demo-contact"');
    for (const name of [
      'first_name',
      'last_name',
      'email',
      'phone',
      'company',
      'city',
      'country',
      'message',
      '_gotcha',
    ]) {
      expect(page).toContain(`name="${name}"`);
    }
    expect(page.match(/name="interests"/g)).toHaveLength(3);
    expect(page).toContain('id="count-dlq"');
    expect(page).toContain('<option value="demo-contact">');
    expect(page).not.toMatch(/<script>(?!<\/script>)/);
  });

  it('shows recent leads with their outcome and the exact Leadsin body, escaping everything', async () => {
    // Prepare
    attempts.push(
      attempt({
        envelope: envelope({ fields: { first_name: hostile, last_name: 'Ruiz' } }),
        body: { FirstName: hostile, LastName: 'Ruiz' },
      }),
    );

    // Act
    const page = await (await fetch(`${gateway.url}/`)).text();
    const fragment = await (await fetch(`${gateway.url}/_local/fragments/leads`)).text();

    // Assess
    for (const html of [page, fragment]) {
      expect(html).not.toContain(hostile);
      expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
      expect(html).toContain('data-outcome="delivered"');
      expect(html).toContain('Onpipeline LeadID 4242');
      expect(html).toContain('&quot;FirstName&quot;');
    }
  });

  it('answers GET /_local/status with queue depths and recent outcomes, without personal data', async () => {
    // Prepare
    attempts.push(
      attempt({
        messageId: 'message-2',
        outcome: {
          kind: 'permanent',
          status: 406,
          reason: 'onpipeline_rejected',
          message: 'Invalid ana@example.test',
        },
        body: { FirstName: 'Ana', LastName: 'Ruiz' },
      }),
    );
    await sqs.send(
      new SendMessageCommand({ QueueUrl: urls.leadsUrl, MessageBody: JSON.stringify(envelope()) }),
    );

    // Act
    const response = await fetch(`${gateway.url}/_local/status`);
    const status = await response.json();

    // Assess
    expect(response.status).toBe(200);
    expect(status.queues.leads.visible).toBe(1);
    expect(status.recent.byOutcome).toEqual({ permanent: 1 });
    expect(status.recent.attempts[0]).toMatchObject({
      leadId: '01JTESTLEAD0000000000000001',
      sourceId: 'demo-contact',
      outcome: 'permanent',
      reason: 'onpipeline_rejected',
      message: 'Invalid [email]',
    });
    expect(JSON.stringify(status)).not.toMatch(/Ana|Ruiz|ana@/);
  });

  it('previews a payload in the playground: the body, or the field errors', async () => {
    // Act
    const good = await post('/_local/preview', {
      sourceId: 'demo-contact',
      payload: 'first_name=Ana\nlast_name=Ruiz\ninterests=Pricing\ninterests=Demo',
    });
    const bad = await post('/_local/preview', { sourceId: 'demo-contact', payload: '{"email":"a@b.test"}' });
    const unknown = await post('/_local/preview', { sourceId: 'nope', payload: '{}' });
    const unreadable = await post('/_local/preview', { sourceId: 'partner-acme', payload: 'not json' });

    // Assess
    expect(good.status).toBe(200);
    const [lead] = (await good.json()).leads;
    expect(lead.ok).toBe(true);
    expect(lead.body.FirstName).toBe('Ana');
    expect(lead.body.Extra).toContainEqual({ ID: '<unresolved: Lead source>', Value: 'Website' });
    expect(lead.body.Extra).toContainEqual({ ID: '1411084440', Value: 'Pricing, Demo' });
    const [refused] = (await bad.json()).leads;
    expect(refused.ok).toBe(false);
    expect(refused.errors.FirstName).toContain('first_name');
    expect(unknown.status).toBe(404);
    expect(unreadable.status).toBe(422);
    expect((await unreadable.json()).error.code).toBe('payload_unreadable');
  });

  it('names the custom fields of a previewed body from the cache, and flags unresolved names', async () => {
    // Prepare
    const payload = 'first_name=Ana\nlast_name=Ruiz\ninterests=Pricing';
    const before = await post('/_local/preview', { sourceId: 'demo-contact', payload });
    const cache = join(workspace.sourcesDir, 'custom-fields.json');
    writeFileSync(
      cache,
      customFieldsCacheText({
        Persons: [
          { Name: 'Lead source', ID: '1411084437' },
          { Name: 'Interests', ID: '1411084440' },
        ],
        Organizations: [],
        Deals: [],
      }),
    );

    // Act
    const after = await post('/_local/preview', { sourceId: 'demo-contact', payload });
    rmSync(cache);

    // Assess
    const [unresolved] = (await before.json()).leads;
    expect(unresolved.unresolved).toEqual(['Lead source']);
    expect(unresolved.customFields).toContainEqual({ ID: '1411084440', Name: null });
    const [resolved] = (await after.json()).leads;
    expect(resolved.unresolved).toEqual([]);
    expect(resolved.customFields).toEqual(
      expect.arrayContaining([
        { ID: '1411084437', Name: 'Lead source' },
        { ID: '1411084440', Name: 'Interests' },
      ]),
    );
  });

  it('offers a sample payload of each source for the playground', async () => {
    // Act
    const response = await fetch(`${gateway.url}/_local/sample?source=demo-contact`);
    const { payload } = await response.json();
    const preview = await post('/_local/preview', { sourceId: 'demo-contact', payload });

    // Assess
    expect(JSON.parse(payload)).toMatchObject({ first_name: 'Alex', email: 'alex.sample@example.com' });
    expect((await preview.json()).leads[0].ok).toBe(true);
  });

  it('refuses cross-site and non-JSON requests to the local POST endpoints', async () => {
    // Act
    const evilOrigin = await post('/_local/dlq/redrive', { all: true }, { origin: 'https://evil.example' });
    const crossSite = await post(
      '/_local/preview',
      { sourceId: 'demo-contact', payload: '{}' },
      {
        'sec-fetch-site': 'cross-site',
      },
    );
    const formPost = await fetch(`${gateway.url}/_local/dlq/redrive`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'all=true',
    });

    // Assess
    expect(evilOrigin.status).toBe(403);
    expect((await evilOrigin.json()).error.code).toBe('cross_site_request');
    expect(crossSite.status).toBe(403);
    expect(formPost.status).toBe(415);
  });

  it('refuses requests addressed to another host name (DNS rebinding)', async () => {
    // Act
    const answer = await rawRequest(`${gateway.url}/_local/status`, {
      headers: { host: 'evil.example:3000' },
    });
    const page = await rawRequest(`${gateway.url}/`, { headers: { host: 'evil.example' } });

    // Assess
    expect(answer.status).toBe(403);
    expect(page.status).toBe(403);
    expect(page.body).not.toContain('first_name');
  });

  it('lists dead letters with their reasons and redrives one with its button endpoint', async () => {
    // Prepare
    const leads = leadQueue({ sqs, leadsUrl: urls.leadsUrl, deadLetterUrl: urls.deadLetterUrl });
    const parked = envelope({
      id: '01JPARKED00000000000000001',
      sourceId: 'partner-acme',
      channel: 'partner',
    });
    await leads.deadLetter(JSON.stringify(parked), {
      reason: 'mapping_failed',
      message: `FirstName: required, but first_name has no value ${hostile}`,
      source: 'partner-acme',
      attempts: '1',
    });
    const before = await (await fetch(`${gateway.url}/_local/status`)).json();

    // Act
    const fragment = await (await fetch(`${gateway.url}/_local/fragments/dlq`)).text();
    const messageId = /data-redrive="([^"]+)"/.exec(fragment)?.[1] ?? '';
    const response = await post('/_local/dlq/redrive', { messageId });

    // Assess
    expect(fragment).toContain('mapping_failed');
    expect(fragment).toContain('partner-acme');
    expect(fragment).not.toContain(hostile);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ moved: 1, skipped: 0 });
    const after = await eventually(async () => {
      const status = await (await fetch(`${gateway.url}/_local/status`)).json();
      return status.queues.leads.visible > before.queues.leads.visible ? status : undefined;
    });
    expect(after.queues.deadLetter.visible).toBe(0);
  });

  it('serves its script and stylesheet from /_local, as valid JavaScript', async () => {
    // Act
    const script = await fetch(`${gateway.url}/_local/app.js`);
    const style = await fetch(`${gateway.url}/_local/app.css`);
    const text = await script.text();

    // Assess
    expect(script.headers.get('content-type')).toContain('text/javascript');
    expect(style.headers.get('content-type')).toContain('text/css');
    expect(() => new Script(text)).not.toThrow();
    expect(text).toContain('/_local/status');
  });

  it('leaves the API routes to the gateway', async () => {
    // Act
    const response = await fetch(`${gateway.url}/v1/forms/demo-contact`, { method: 'POST', body: '{}' });

    // Assess
    expect((await response.json()).error.message).toBe('stub');
  });
});
