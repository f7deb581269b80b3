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
import { logFields } from '#shared/http/response.ts';
import { counterValues } from '#shared/telemetry.ts';
import { answering, bodyOf, channelDeps, httpRequest, sourcesFrom } from '#test/support/channels.ts';
import { interceptLogLines, type LogLine } from '#test/support/fuzz/logs.ts';

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

describe('linkedinChannel: what operators read (messages, counters, log fields) and the notification rules', () => {
  type ErrorBody = { error: { code: string; message: string } };
  const counter = (name: string) => counterValues()[name] ?? 0;
  const challenge = (challengeCode: string) => ({
    ...httpRequest({ path: '/v1/webhooks/linkedin', body: '', query: { challengeCode } }),
    method: 'GET',
  });

  it('explains a malformed challenge, and counts and logs a validation', async () => {
    // Prepare
    const { channel } = setup();
    const before = counter('linkedin_validated');

    // Act
    const refused = await channel.verify(challenge('not-a-uuid'));
    const answered = await channel.verify(challenge('f3a6c6e1-3b49-4d43-9d64-6f3d0d3b4c2e'));

    // Assess
    expect(bodyOf<ErrorBody>(refused).error).toMatchObject({
      code: 'malformed_verification',
      message: 'challengeCode must be the type-4 UUID LinkedIn generates.',
    });
    expect(answered[logFields]).toEqual({ channel: 'linkedin' });
    expect(counter('linkedin_validated')).toBe(before + 1);
  });

  it('counts an unset client secret as linkedin_not_configured, for challenges and notifications', async () => {
    // Prepare
    const { channel } = setup({});
    const before = counter('linkedin_not_configured');

    // Act
    await channel.verify(challenge('f3a6c6e1-3b49-4d43-9d64-6f3d0d3b4c2e'));
    await channel.capture(post(leadAction()));

    // Assess
    expect(counter('linkedin_not_configured')).toBe(before + 2);
  });

  it.each([
    ['missing', null, 'signature_missing', 'X-LI-Signature is missing.'],
    ['blank', '   ', 'signature_missing', 'X-LI-Signature is missing.'],
    ['over other bytes', sign('{}'), 'invalid_signature', 'X-LI-Signature does not match the request body.'],
  ])('explains a signature %s', async (_name, signature, code, message) => {
    // Prepare
    const { channel, enqueued } = setup();

    // Act
    const result = await channel.capture(post(leadAction(), signature));

    // Assess
    expect(result.statusCode).toBe(401);
    expect(bodyOf<ErrorBody>(result).error).toMatchObject({ code, message });
    expect(enqueued).toHaveLength(0);
  });

  it('accepts a signature with spaces around it, and a body of exactly 256 KB', async () => {
    // Prepare
    const { channel, enqueued } = setup();
    const frame = leadAction({ pad: '' });
    const big = leadAction({ pad: 'x'.repeat(256 * 1024 - frame.length) });

    // Act
    const spaced = await channel.capture(post(leadAction(), ` ${sign(leadAction())} `));
    const largest = await channel.capture(post(big));

    // Assess
    expect(Buffer.byteLength(big)).toBe(256 * 1024);
    expect([spaced.statusCode, largest.statusCode]).toEqual([202, 202]);
    expect(enqueued).toHaveLength(2);
  });

  it.each([
    ['not JSON', '{"type":', 'The notification is not valid UTF-8 JSON.'],
    ['a JSON list', '[]', 'The notification is not a JSON object.'],
    [
      'without a response URN',
      JSON.stringify({ type: 'LEAD_ACTION' }),
      'leadGenFormResponse is not a lead form response URN.',
    ],
    [
      'with a response URN that is no string',
      leadAction({ leadGenFormResponse: 5 }),
      'leadGenFormResponse is not a lead form response URN.',
    ],
    [
      'with text before the URN',
      leadAction({ leadGenFormResponse: `x${responseUrn}` }),
      'leadGenFormResponse is not a lead form response URN.',
    ],
    [
      'with a URN of two ids',
      leadAction({ leadGenFormResponse: `${responseUrn}:5` }),
      'leadGenFormResponse is not a lead form response URN.',
    ],
    [
      'with an id of 201 characters',
      leadAction({ leadGenFormResponse: `urn:li:leadFormResponse:${'a'.repeat(201)}` }),
      'leadGenFormResponse is not a lead form response URN.',
    ],
  ])('explains a body %s', async (_name, body, message) => {
    // Prepare
    const { channel, enqueued } = setup();

    // Act
    const result = await channel.capture(post(body));

    // Assess
    expect(result.statusCode).toBe(400);
    expect(bodyOf<ErrorBody>(result).error).toMatchObject({ code: 'malformed_body', message });
    expect(enqueued).toHaveLength(0);
  });

  it('takes a response URN with spaces around it and an id of 200 characters', async () => {
    // Prepare
    const { channel, enqueued } = setup();
    const urn = `urn:li:leadFormResponse:${'a'.repeat(200)}`;

    // Act
    const result = await channel.capture(post(leadAction({ leadGenFormResponse: ` ${urn} ` })));

    // Assess
    expect(result.statusCode).toBe(202);
    expect(enqueued[0]?.fetch).toEqual({ provider: 'linkedin', id: 'a'.repeat(200) });
    expect(enqueued[0]?.context['linkedin.response_urn']).toBe(urn);
  });

  it.each([
    [
      'another type',
      { type: 'OTHER' },
      'linkedin_ignored',
      { channel: 'linkedin', dropped: 'not_lead_action' },
    ],
    [
      'a DELETED lead',
      { leadAction: 'DELETED' },
      'linkedin_deleted',
      {
        channel: 'linkedin',
        responseId: 'a9a29e52-c0a3-42e3-8af1-2fc83b697003-4',
        formId,
        action: 'DELETED',
        dropped: 'deleted_by_member',
      },
    ],
    [
      'an unknown action',
      { leadAction: 'UPDATED' },
      'linkedin_ignored',
      {
        channel: 'linkedin',
        responseId: 'a9a29e52-c0a3-42e3-8af1-2fc83b697003-4',
        formId,
        action: 'UPDATED',
        dropped: 'unknown_action',
      },
    ],
    [
      'an action that is no string',
      { leadAction: 1 },
      'linkedin_ignored',
      {
        channel: 'linkedin',
        responseId: 'a9a29e52-c0a3-42e3-8af1-2fc83b697003-4',
        formId,
        action: '',
        dropped: 'unknown_action',
      },
    ],
  ])(
    'answers 200 {} to %s, queues nothing, counts and logs why',
    async (_name, overrides, metric, fields) => {
      // Prepare
      const { channel, enqueued } = setup();
      const before = counter(metric);

      // Act
      const result = await channel.capture(post(leadAction(overrides)));

      // Assess
      expect(result.statusCode).toBe(200);
      expect(bodyOf(result)).toEqual({});
      expect(result[logFields]).toEqual(fields);
      expect(counter(metric)).toBe(before + 1);
      expect(enqueued).toHaveLength(0);
    },
  );

  it('logs the lead id of a queued lead, and counts, marks and warns about an unrouted one (ids only)', async () => {
    // Prepare
    const { channel, enqueued } = setup();
    const before = counter('linkedin_unrouted');
    const lines: LogLine[] = [];
    const { restore } = interceptLogLines((line) => lines.push(line));

    // Act
    let routed: Awaited<ReturnType<typeof channel.capture>>;
    let unrouted: Awaited<ReturnType<typeof channel.capture>>;
    try {
      routed = await channel.capture(post(leadAction()));
      unrouted = await channel.capture(
        post(
          leadAction({ leadGenForm: `urn:li:versionedLeadGenForm:(urn:li:leadGenForm:${otherFormId},3)` }),
        ),
      );
    } finally {
      restore();
    }

    // Assess
    expect(routed[logFields]).toEqual({ channel: 'linkedin', leadId: enqueued[0]?.id });
    expect(unrouted[logFields]).toEqual({ channel: 'linkedin', leadId: enqueued[1]?.id, unrouted: 1 });
    expect(counter('linkedin_unrouted')).toBe(before + 1);
    const warnings = lines.filter(
      (line) => line.message === 'linkedin lead matches no source: queued as unrouted',
    );
    expect(warnings).toEqual([
      expect.objectContaining({
        level: 'WARN',
        channel: 'linkedin',
        responseId: 'a9a29e52-c0a3-42e3-8af1-2fc83b697003-4',
        formId: otherFormId,
        action: 'CREATED',
      }),
    ]);
  });

  it('leaves out of the context what a notification does not carry', async () => {
    // Prepare
    const { channel, enqueued } = setup({ LINKEDIN_CLIENT_SECRET: clientSecret }, {});
    const body = JSON.stringify({
      type: 'LEAD_ACTION',
      leadGenFormResponse: responseUrn,
      leadAction: 'CREATED',
    });

    // Act
    await channel.capture(post(body));

    // Assess
    expect(enqueued[0]?.context).toStrictEqual({
      receivedAt: '2024-05-02T10:07:03.000Z',
      'linkedin.response_urn': responseUrn,
      'linkedin.response_id': 'a9a29e52-c0a3-42e3-8af1-2fc83b697003-4',
    });
  });

  it.each([
    [
      'an unversioned form URN',
      { leadGenForm: `urn:li:leadGenForm:${formId}` },
      { form_id: formId, form_version: undefined },
    ],
    ['a form URN that is no string', { leadGenForm: 5 }, { form_urn: undefined, form_id: undefined }],
    [
      'a form URN of another kind',
      { leadGenForm: 'urn:li:other:1' },
      { form_urn: 'urn:li:other:1', form_id: undefined },
    ],
    ['an owner given as a string', { owner: 'urn:li:organization:5' }, { owner: 'urn:li:organization:5' }],
    [
      'an owner whose first value is no string',
      { owner: { a: 1, organization: 'urn:li:organization:5' } },
      { owner: 'urn:li:organization:5' },
    ],
    ['an owner that is null', { owner: null }, { owner: undefined }],
    ['an owner that is a number', { owner: 5 }, { owner: undefined }],
    ['a lead type that is no string', { leadType: 1 }, { lead_type: undefined }],
    [
      'the misspelt occuredAt',
      { occurredAt: undefined, occuredAt: 1714644421000 },
      { occurred_at: '2024-05-02T10:07:01.000Z' },
    ],
    ['occurredAt as a string', { occurredAt: '1714644421000' }, { occurred_at: '2024-05-02T10:07:01.000Z' }],
    ['occurredAt 0', { occurredAt: 0 }, { occurred_at: undefined }],
    ['occurredAt negative', { occurredAt: -1 }, { occurred_at: undefined }],
    ['occurredAt beyond any date', { occurredAt: 1e20 }, { occurred_at: undefined }],
    ['occurredAt that is no number', { occurredAt: 'soon' }, { occurred_at: undefined }],
  ])('reads %s', async (_name, overrides, expected) => {
    // Prepare
    const { channel, enqueued } = setup();

    // Act
    await channel.capture(post(leadAction(overrides)));

    // Assess
    const context = enqueued[0]?.context ?? {};
    const read = Object.fromEntries(Object.keys(expected).map((key) => [key, context[`linkedin.${key}`]]));
    expect(read).toEqual(expected);
  });

  it('routes to a source taking every form, ignores other channels, and names the channel on a tie', async () => {
    // Prepare
    const { channel, enqueued } = setup(
      { LINKEDIN_CLIENT_SECRET: clientSecret },
      {
        'linkedin-all': `channel: linkedin${lead}`,
        'linkedin-also': `channel: linkedin${lead}`,
        'meta-page': `channel: meta\nmeta: { pageId: "1", pageToken: PAGE_TOKEN }${lead}`,
      },
    );
    const lines: LogLine[] = [];
    const { restore } = interceptLogLines((line) => lines.push(line));

    // Act
    try {
      await channel.capture(post(leadAction()));
    } finally {
      restore();
    }

    // Assess
    expect(enqueued[0]?.sourceId).toBe('linkedin-all');
    expect(lines).toContainEqual(
      expect.objectContaining({ channel: 'linkedin', sourceIds: ['linkedin-all', 'linkedin-also'] }),
    );
  });
});

describe('linkedinChannel: limits, defaults and ties', () => {
  it('refuses a signed body over 256 KB with 413 payload_too_large and queues nothing', async () => {
    // Prepare
    const { channel, enqueued } = setup();
    const frame = leadAction({ pad: '' });
    const body = leadAction({ pad: 'x'.repeat(256 * 1024 + 1 - frame.length) });

    // Act
    const result = await channel.capture(post(body));

    // Assess
    expect(result.statusCode).toBe(413);
    expect(bodyOf<{ error: { code: string } }>(result).error.code).toBe('payload_too_large');
    expect(enqueued).toHaveLength(0);
  });

  it('stamps receivedAt with the current time when no clock is given', async () => {
    // Prepare
    const made = channelDeps(sources, { LINKEDIN_CLIENT_SECRET: clientSecret });
    cleanups.push(made.cleanup);
    const channel = linkedinChannel(made.deps);
    const before = Date.now();

    // Act
    await channel.capture(post(leadAction()));

    // Assess
    const receivedAt = Date.parse(made.enqueued[0]?.receivedAt ?? '');
    expect(receivedAt).toBeGreaterThanOrEqual(before - 1000);
    expect(receivedAt).toBeLessThanOrEqual(Date.now());
  });

  it('reads a form version of several digits', async () => {
    // Prepare
    const { channel, enqueued } = setup();

    // Act
    await channel.capture(
      post(leadAction({ leadGenForm: `urn:li:versionedLeadGenForm:(urn:li:leadGenForm:${formId},12)` })),
    );

    // Assess
    expect(enqueued[0]?.context['linkedin.form_version']).toBe('12');
  });

  it('linkedinSignatureMatches is false without a header', () => {
    expect(linkedinSignatureMatches(clientSecret, Buffer.from(leadAction()), undefined)).toBe(false);
  });

  it('names the channel when two sources list the lead form (the first by id wins)', async () => {
    // Prepare
    const { channel, enqueued } = setup(
      { LINKEDIN_CLIENT_SECRET: clientSecret },
      { ...sources, 'linkedin-also': sources['linkedin-webinar'] },
    );
    const lines: LogLine[] = [];
    const { restore } = interceptLogLines((line) => lines.push(line));

    // Act
    try {
      await channel.capture(post(leadAction()));
    } finally {
      restore();
    }

    // Assess
    expect(enqueued[0]?.sourceId).toBe('linkedin-also');
    expect(lines).toContainEqual(
      expect.objectContaining({ channel: 'linkedin', sourceIds: ['linkedin-also', 'linkedin-webinar'] }),
    );
  });
});
