import { createHmac } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { UNROUTED_SOURCE_ID } from '#shared/channels/channel.ts';
import { newEnvelope } from '#shared/channels/common/enqueue.ts';
import { signedHeaders } from '#shared/channels/index.ts';
import {
  linkedinChannel,
  linkedinRouter,
  linkedinSignatureMatches,
} from '#shared/channels/linkedin/channel.ts';
import { linkedin as linkedinDescriptor } from '#shared/channels/linkedin/index.ts';
import { counterValues } from '#shared/telemetry.ts';
import { answering, bodyOf, channelDeps, httpRequest, sourcesFrom } from '#test/support/channels.ts';

const clientSecret = 'linkedin-client-secret';
const formId = '6955637458260688897';
const otherFormId = '7234246';
const responseUrn = 'urn:li:leadFormResponse:a9a29e52-c0a3-42e3-8af1-2fc83b697003-4';

const lead = '\nlead:\n  FirstName: FIRST_NAME\n  LastName: LAST_NAME\n';
const sources = {
  'linkedin-webinar': `channel: linkedin\nlinkedin: { formIds: ["${formId}"] }${lead}`,
};

/** LinkedIn's documented Lead Sync notification (`LEAD_ACTION`); `overrides` replace properties. */
function leadAction(overrides: Record<string, unknown> = {}): string {
  return JSON.stringify({
    type: 'LEAD_ACTION',
    leadGenFormResponse: responseUrn,
    leadGenForm: `urn:li:versionedLeadGenForm:(urn:li:leadGenForm:${formId},1)`,
    owner: { sponsoredAccount: 'urn:li:sponsoredAccount:522529623' },
    associatedEntity: { sponsoredCreative: 'urn:li:sponsoredCreative:241257736' },
    leadType: 'SPONSORED',
    leadAction: 'CREATED',
    occurredAt: 1714644421000,
    ...overrides,
  });
}

/** `X-LI-Signature` as LinkedIn sends it (the channel's `sign`, pinned to LinkedIn's rule in `index.test.ts`). */
const sign = (body: string, secret = clientSecret) =>
  signedHeaders(linkedinDescriptor, secret, body)['x-li-signature'] ?? '';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

function setup(
  secretValues: Record<string, string> = { LINKEDIN_CLIENT_SECRET: clientSecret },
  files: Record<string, string> = sources,
) {
  const made = channelDeps(files, secretValues, () => new Date('2024-05-02T10:07:03.000Z'));
  cleanups.push(made.cleanup);
  return { ...made, channel: answering(linkedinDescriptor, linkedinChannel(made.deps)) };
}

function post(body: string, signature: string | null = sign(body)) {
  return httpRequest({
    path: '/v1/webhooks/linkedin',
    headers: {
      'content-type': 'application/json',
      ...(signature === null ? {} : { 'x-li-signature': signature }),
    },
    body,
  });
}

describe('linkedinChannel.verify', () => {
  it('answers the challenge with its hex HMAC-SHA256 under the client secret, as JSON', async () => {
    // Prepare
    const { channel } = setup();
    const challengeCode = 'f3a6c6e1-3b49-4d43-9d64-6f3d0d3b4c2e';

    // Act
    const result = await channel.verify({
      ...httpRequest({ path: '/v1/webhooks/linkedin', body: '', query: { challengeCode } }),
      method: 'GET',
    });

    // Assess
    expect(result.statusCode).toBe(200);
    expect(result.headers['content-type']).toMatch(/^application\/json/);
    expect(bodyOf(result)).toEqual({
      challengeCode,
      challengeResponse: createHmac('sha256', clientSecret).update(challengeCode).digest('hex'),
    });
  });

  it.each([
    ['without a challengeCode', { LINKEDIN_CLIENT_SECRET: clientSecret }, {}, 400, 'malformed_verification'],
    [
      'while the client secret is not set',
      {},
      { challengeCode: 'f3a6c6e1-3b49-4d43-9d64-6f3d0d3b4c2e' },
      503,
      'auth_unavailable',
    ],
  ])('refuses a validation %s', async (_name, secretValues, query, status, code) => {
    // Prepare
    const { channel } = setup(secretValues);

    // Act
    const result = await channel.verify({
      ...httpRequest({ path: '/v1/webhooks/linkedin', body: '', query }),
      method: 'GET',
    });

    // Assess
    expect(result.statusCode).toBe(status);
    expect(bodyOf<{ error: { code: string } }>(result).error.code).toBe(code);
  });
});

describe('linkedinChannel.verify is no signing oracle', () => {
  it('answers a type-4 UUID in upper case too', async () => {
    // Prepare
    const { channel } = setup();
    const challengeCode = 'F3A6C6E1-3B49-4D43-9D64-6F3D0D3B4C2E';

    // Act
    const result = await channel.verify({
      ...httpRequest({ path: '/v1/webhooks/linkedin', body: '', query: { challengeCode } }),
      method: 'GET',
    });

    // Assess
    expect(result.statusCode).toBe(200);
  });

  it.each([
    ['a notification signature request', `hmacsha256=${JSON.stringify({ type: 'LEAD_ACTION' })}`],
    ['a version-1 UUID', 'f3a6c6e1-3b49-1d43-9d64-6f3d0d3b4c2e'],
    ['a UUID of another variant', 'f3a6c6e1-3b49-4d43-cd64-6f3d0d3b4c2e'],
    ['a UUID with text around it', ' f3a6c6e1-3b49-4d43-9d64-6f3d0d3b4c2e'],
    ['free text', 'x'],
  ])('refuses %s with 400 malformed_verification and signs nothing', async (_name, challengeCode) => {
    // Prepare
    const { channel } = setup();

    // Act
    const result = await channel.verify({
      ...httpRequest({ path: '/v1/webhooks/linkedin', body: '', query: { challengeCode } }),
      method: 'GET',
    });

    // Assess
    expect(result.statusCode).toBe(400);
    expect(bodyOf<{ error: { code: string } }>(result).error.code).toBe('malformed_verification');
    expect(String(result.body)).not.toContain(
      createHmac('sha256', clientSecret).update(challengeCode).digest('hex'),
    );
  });

  it('cannot be used to forge X-LI-Signature for a chosen body', async () => {
    // Prepare
    const { channel, enqueued } = setup();
    const forged = leadAction();
    const oracle = await channel.verify({
      ...httpRequest({
        path: '/v1/webhooks/linkedin',
        body: '',
        query: { challengeCode: `hmacsha256=${forged}` },
      }),
      method: 'GET',
    });
    const answer = oracle.statusCode === 200 ? String(bodyOf(oracle).challengeResponse) : 'none';

    // Act
    const result = await channel.capture(post(forged, answer));

    // Assess
    expect(result.statusCode).toBe(401);
    expect(enqueued).toHaveLength(0);
  });
});

describe('linkedinChannel.capture refuses response ids that are not LinkedIn ids', () => {
  it.each([
    ['..', 'urn:li:leadFormResponse:..'],
    ['a dot segment', 'urn:li:leadFormResponse:.'],
    ['a path', 'urn:li:leadFormResponse:a..b'],
    ['an encoded slash', 'urn:li:leadFormResponse:a%2Fb'],
  ])('refuses %s with 400 and queues nothing', async (_name, urn) => {
    // Prepare
    const { channel, enqueued } = setup();
    const body = leadAction({ leadGenFormResponse: urn });

    // Act
    const result = await channel.capture(post(body));

    // Assess
    expect(result.statusCode).toBe(400);
    expect(bodyOf<{ error: { code: string } }>(result).error.code).toBe('malformed_body');
    expect(enqueued).toHaveLength(0);
  });
});

describe('linkedinChannel.capture', () => {
  it('queues a CREATED lead as a fetch-envelope routed by form id, with context and dedupe key', async () => {
    // Prepare
    const { channel, enqueued } = setup();

    // Act
    const result = await channel.capture(post(leadAction()));

    // Assess
    expect(result.statusCode).toBe(202);
    expect(bodyOf(result)).toEqual({ id: enqueued[0]?.id, status: 'queued' });
    expect(enqueued).toHaveLength(1);
    expect(enqueued[0]).toMatchObject({
      sourceId: 'linkedin-webinar',
      channel: 'linkedin',
      fields: {},
      fetch: { provider: 'linkedin', id: 'a9a29e52-c0a3-42e3-8af1-2fc83b697003-4' },
      dedupeKey: `linkedin:${responseUrn}:CREATED`,
      context: {
        source: 'linkedin-webinar',
        'linkedin.response_urn': responseUrn,
        'linkedin.response_id': 'a9a29e52-c0a3-42e3-8af1-2fc83b697003-4',
        'linkedin.form_urn': `urn:li:versionedLeadGenForm:(urn:li:leadGenForm:${formId},1)`,
        'linkedin.form_id': formId,
        'linkedin.form_version': '1',
        'linkedin.owner': 'urn:li:sponsoredAccount:522529623',
        'linkedin.lead_type': 'SPONSORED',
        'linkedin.occurred_at': '2024-05-02T10:07:01.000Z',
      },
    });
  });

  it('logs and counts a DELETED lead without queueing it, and answers 200', async () => {
    // Prepare
    const { channel, enqueued } = setup();
    const before = counterValues().linkedin_deleted ?? 0;

    // Act
    const result = await channel.capture(post(leadAction({ leadAction: 'DELETED' })));

    // Assess
    expect(result.statusCode).toBe(200);
    expect(enqueued).toHaveLength(0);
    expect(counterValues().linkedin_deleted).toBe(before + 1);
  });

  it('queues a lead of a form no source lists as unrouted, never dropping it', async () => {
    // Prepare
    const { channel, enqueued } = setup();
    const body = leadAction({
      leadGenForm: `urn:li:versionedLeadGenForm:(urn:li:leadGenForm:${otherFormId},3)`,
    });

    // Act
    const result = await channel.capture(post(body));

    // Assess
    expect(result.statusCode).toBe(202);
    expect(enqueued[0]?.sourceId).toBe(UNROUTED_SOURCE_ID);
    expect(enqueued[0]?.context['linkedin.form_id']).toBe(otherFormId);
  });

  describe.each([
    ['missing', null, 'signature_missing'],
    [
      'over the body alone (without the hmacsha256= prefix)',
      createHmac('sha256', clientSecret).update(leadAction()).digest('hex'),
      'invalid_signature',
    ],
    ['carrying the prefix in the header', `hmacsha256=${sign(leadAction())}`, 'invalid_signature'],
    ['made with another secret', sign(leadAction(), 'another-secret'), 'invalid_signature'],
    ['over other bytes', sign(leadAction({ leadAction: 'DELETED' })), 'invalid_signature'],
    [
      'of the sha1 scheme',
      createHmac('sha1', clientSecret).update(`hmacsha256=${leadAction()}`).digest('hex'),
      'invalid_signature',
    ],
  ])('a signature %s', (_name, signature, code) => {
    it(`is refused with 401 ${code} and nothing is queued`, async () => {
      // Prepare
      const { channel, enqueued } = setup();

      // Act
      const result = await channel.capture(post(leadAction(), signature));

      // Assess
      expect(result.statusCode).toBe(401);
      expect(bodyOf<{ error: { code: string } }>(result).error.code).toBe(code);
      expect(enqueued).toHaveLength(0);
    });
  });

  it('gives a repeated notification the same dedupe key (response URN + action) and lead id', async () => {
    // Prepare
    const { channel, enqueued } = setup();

    // Act
    await channel.capture(post(leadAction()));
    await channel.capture(post(leadAction()));

    // Assess
    expect(enqueued.map((envelope) => envelope.dedupeKey)).toEqual([
      `linkedin:${responseUrn}:CREATED`,
      `linkedin:${responseUrn}:CREATED`,
    ]);
    expect(enqueued[1]?.id).toBe(enqueued[0]?.id);
  });

  it.each([
    ['not JSON', '{"type":', 400, 'malformed_body'],
    [
      'a LEAD_ACTION without a response URN',
      leadAction({ leadGenFormResponse: 'nope' }),
      400,
      'malformed_body',
    ],
  ])('rejects a signed body that is %s', async (_name, body, status, code) => {
    // Prepare
    const { channel } = setup();

    // Act
    const result = await channel.capture(post(body));

    // Assess
    expect(result.statusCode).toBe(status);
    expect(bodyOf<{ error: { code: string } }>(result).error.code).toBe(code);
  });

  it('answers 200 and queues nothing for another notification type', async () => {
    // Prepare
    const { channel, enqueued } = setup();

    // Act
    const result = await channel.capture(
      post(JSON.stringify({ type: 'ORGANIZATION_SOCIAL_ACTION_NOTIFICATIONS' })),
    );

    // Assess
    expect(result.statusCode).toBe(200);
    expect(enqueued).toHaveLength(0);
  });

  it('answers 503 when the queue refuses, so LinkedIn retries', async () => {
    // Prepare
    const { channel, failing } = setup();
    failing();

    // Act
    const result = await channel.capture(post(leadAction()));

    // Assess
    expect(result.statusCode).toBe(503);
    expect(bodyOf<{ error: { code: string } }>(result).error.code).toBe('queue_unavailable');
  });
});

describe('linkedinSignatureMatches (the documented X-LI-Signature rule, in one place)', () => {
  it.each([
    ['the hex HMAC of "hmacsha256=" + body', sign('{"a":1}'), true],
    ['the same in upper case', sign('{"a":1}').toUpperCase(), true],
    ['with surrounding spaces', ` ${sign('{"a":1}')} `, true],
    [
      'the hex HMAC of the body alone',
      createHmac('sha256', clientSecret).update('{"a":1}').digest('hex'),
      false,
    ],
    ['empty', '', false],
  ])('%s → %s', (_name, header, expected) => {
    expect(linkedinSignatureMatches(clientSecret, Buffer.from('{"a":1}'), header)).toBe(expected);
  });
});

describe('linkedinRouter', () => {
  it('routes by form id: a listing source wins over one taking every form; none → undefined', () => {
    // Prepare
    const envelope = (id: string) =>
      newEnvelope({
        sourceId: UNROUTED_SOURCE_ID,
        channel: 'linkedin',
        fields: {},
        context: { 'linkedin.form_id': id },
        fetch: { provider: 'linkedin', id: 'x-1' },
      });
    const listing = sourcesFrom(sources);
    const withCatchAll = sourcesFrom({ ...sources, 'linkedin-all': `channel: linkedin${lead}` });
    cleanups.push(listing.cleanup, withCatchAll.cleanup);

    // Act
    const routed = [
      linkedinRouter(envelope(formId), listing.sources)?.id,
      linkedinRouter(envelope(otherFormId), listing.sources)?.id,
      linkedinRouter(envelope(formId), withCatchAll.sources)?.id,
      linkedinRouter(envelope(otherFormId), withCatchAll.sources)?.id,
    ];

    // Assess
    expect(routed).toEqual(['linkedin-webinar', undefined, 'linkedin-webinar', 'linkedin-all']);
  });
});
