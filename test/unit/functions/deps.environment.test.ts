import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { deliveryDeps } from '#functions/delivery-deps.ts';
import { captureDeps } from '#functions/deps.ts';
import { captchaVerifyUrls } from '#shared/channels/form/captcha.ts';
import { webhookRouters } from '#shared/channels/index.ts';
import { customFieldNames } from '#shared/onpipeline/custom-fields.ts';
import { secretStore } from '#shared/security/secrets.ts';
import { recordingLeadQueue } from '#test/support/queue.ts';
import { recordingServer } from '#test/support/recording-server.ts';

/**
 * The one dependency builder of both functions (docs/architecture.md): every part a caller brings is
 * used as given, every other part comes from the environment. A loopback server stands in for
 * Onpipeline and SQS and records what each default part sends.
 */

let server: Awaited<ReturnType<typeof recordingServer>>;
let origin = '';

beforeAll(async () => {
  server = await recordingServer((request) =>
    request.path.endsWith('/Leadsin')
      ? { status: 201, contentType: 'application/json', body: '{}' }
      : { status: 200, contentType: 'application/x-amz-json-1.0', body: '{}' },
  );
  origin = server.url;
});
afterAll(() => server.close());
afterEach(() => {
  server.received.splice(0);
  vi.unstubAllEnvs();
});

const storeWith = (values: Record<string, string>) => secretStore(async () => values);
const lead = { FirstName: 'Ada', LastName: 'Lovelace' };

/** The QueueUrl of each SQS call the server received, by operation (`AmazonSQS.<Operation>`). */
function sqsCalls(): { operation: string; queueUrl: unknown }[] {
  return server.received
    .filter((request) => request.headers['x-amz-target'])
    .map((request) => ({
      operation: String(request.headers['x-amz-target']),
      queueUrl: (JSON.parse(request.body) as { QueueUrl?: unknown }).QueueUrl,
    }));
}

describe('captureDeps', () => {
  it('uses every part it is given as is', () => {
    // Prepare
    const parts = {
      sources: deliveryDeps({ secrets: storeWith({}), queue: recordingLeadQueue().queue }).sources,
      queue: recordingLeadQueue().queue,
      secrets: storeWith({}),
      captcha: { urls: captchaVerifyUrls({}) },
      now: () => new Date(0),
    };

    // Act
    const deps = captureDeps(parts);

    // Assess
    expect(deps).toEqual(parts);
    for (const [name, part] of Object.entries(parts)) {
      expect(deps[name as keyof typeof deps]).toBe(part);
    }
  });

  it('reads the gateway secrets and the CAPTCHA verify URLs from the environment', async () => {
    // Prepare
    vi.stubEnv('LEADS_QUEUE_URL', `${origin}/000000000000/leads`);
    vi.stubEnv('META_APP_SECRET', 'app-secret-from-env');
    vi.stubEnv('TURNSTILE_VERIFY_URL', `${origin}/turnstile`);

    // Act
    const deps = captureDeps();

    // Assess
    await expect(deps.secrets.require('META_APP_SECRET')).resolves.toBe('app-secret-from-env');
    expect(deps.captcha).toEqual({ urls: captchaVerifyUrls(process.env) });
    expect(deps.captcha?.urls?.turnstile).toBe(`${origin}/turnstile`);
    expect(deps).not.toHaveProperty('now');
  });

  it('sends dead letters to LEADS_DLQ_URL, or to no queue when it is not set', async () => {
    // Prepare
    vi.stubEnv('SQS_ENDPOINT', origin);
    vi.stubEnv('LEADS_QUEUE_URL', `${origin}/000000000000/leads`);
    const unset = captureDeps({ secrets: storeWith({}) });
    vi.stubEnv('LEADS_DLQ_URL', `${origin}/000000000000/leads-dlq`);
    const set = captureDeps({ secrets: storeWith({}) });

    // Act
    await unset.queue.deadLetter('{}', { reason: 'test' }).catch(() => undefined);
    await set.queue.deadLetter('{}', { reason: 'test' }).catch(() => undefined);

    // Assess
    expect(sqsCalls()).toEqual([
      { operation: 'AmazonSQS.SendMessage', queueUrl: '' },
      { operation: 'AmazonSQS.SendMessage', queueUrl: `${origin}/000000000000/leads-dlq` },
    ]);
  });

  it('refuses to start without LEADS_QUEUE_URL, naming the setting', () => {
    // Prepare
    vi.stubEnv('LEADS_QUEUE_URL', '');

    // Act
    const build = () => captureDeps({ secrets: storeWith({}) });

    // Assess
    expect(build).toThrow(new Error('environment variable LEADS_QUEUE_URL is not set'));
  });
});

describe('deliveryDeps', () => {
  it('uses every part it is given as is', () => {
    // Prepare
    const base = deliveryDeps({ secrets: storeWith({}), queue: recordingLeadQueue().queue });
    const parts = {
      sources: base.sources,
      onpipeline: base.onpipeline,
      customFields: customFieldNames(base.onpipeline),
      routers: {},
      resolvers: {},
      queue: recordingLeadQueue().queue,
      idempotency: {} as NonNullable<typeof base.idempotency>,
      observe: () => undefined,
      retryDelay: () => 1,
    };

    // Act
    const deps = deliveryDeps({ ...parts, secrets: storeWith({}) });

    // Assess
    expect(Object.keys(deps).sort()).toEqual(Object.keys(parts).sort());
    for (const [name, part] of Object.entries(parts)) {
      expect(deps[name as keyof typeof deps]).toBe(part);
    }
  });

  it('defaults to the registry’s webhook routers and a lead fetcher per fetch-by-id vendor', () => {
    // Act
    const deps = deliveryDeps({ secrets: storeWith({}), queue: recordingLeadQueue().queue });

    // Assess
    expect(deps.routers).toBe(webhookRouters);
    expect(deps.customFields.lookup).toEqual(expect.any(Function));
    expect(Object.keys(deps.resolvers ?? {}).sort()).toEqual(['linkedin', 'meta']);
  });

  it('names the DynamoDB idempotency table of IDEMPOTENCY_TABLE', () => {
    // Prepare
    vi.stubEnv('IDEMPOTENCY_TABLE', 'leadgate-idempotency');

    // Act
    const deps = deliveryDeps({ secrets: storeWith({}), queue: recordingLeadQueue().queue });

    // Assess
    expect(deps.idempotency).toMatchObject({ tableName: 'leadgate-idempotency' });
  });

  it.each([
    ['the store it is given', storeWith({ ONPIPELINE_TOKEN: 'token-given' }), 'token-given'],
    ['the api secrets of the environment', undefined, 'token-from-env'],
  ])('sends leads to ONPIPELINE_URL with the token of %s', async (_case, secrets, token) => {
    // Prepare
    vi.stubEnv('ONPIPELINE_URL', origin);
    vi.stubEnv('ONPIPELINE_TOKEN', 'token-from-env');
    const deps = deliveryDeps({ ...(secrets ? { secrets } : {}), queue: recordingLeadQueue().queue });

    // Act
    const outcome = await deps.onpipeline.sendLead(lead);

    // Assess
    expect(outcome).toMatchObject({ kind: 'delivered', status: 201 });
    expect(server.received).toEqual([
      expect.objectContaining({ path: '/Leadsin', body: JSON.stringify(lead) }),
    ]);
    expect(server.received[0]?.headers.authorization).toBe(token);
  });

  it('sets retry delays on LEADS_QUEUE_URL and dead letters on LEADS_DLQ_URL, empty when unset', async () => {
    // Prepare
    vi.stubEnv('SQS_ENDPOINT', origin);
    const unset = deliveryDeps({ secrets: storeWith({}) });
    vi.stubEnv('LEADS_QUEUE_URL', `${origin}/000000000000/leads`);
    vi.stubEnv('LEADS_DLQ_URL', `${origin}/000000000000/leads-dlq`);
    const set = deliveryDeps({ secrets: storeWith({}) });

    // Act
    for (const deps of [unset, set]) {
      await deps.queue.delay('receipt-1', 30).catch(() => undefined);
      await deps.queue.deadLetter('{}', { reason: 'test' }).catch(() => undefined);
    }

    // Assess
    expect(sqsCalls()).toEqual([
      { operation: 'AmazonSQS.ChangeMessageVisibility', queueUrl: '' },
      { operation: 'AmazonSQS.SendMessage', queueUrl: '' },
      { operation: 'AmazonSQS.ChangeMessageVisibility', queueUrl: `${origin}/000000000000/leads` },
      { operation: 'AmazonSQS.SendMessage', queueUrl: `${origin}/000000000000/leads-dlq` },
    ]);
  });
});
