import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type FakeGraph, type GraphFault, startFakeGraph } from '#local/fakes/graph.ts';
import { newEnvelope } from '#shared/channels/common/enqueue.ts';
import {
  classifyGraphError,
  metaLeadContext,
  metaLeadFields,
  metaResolver,
} from '#shared/channels/meta/fetch.ts';
import type { Envelope } from '#shared/envelope.ts';
import { secretStore } from '#shared/security/secrets.ts';
import { parseSource } from '#shared/sources/loader.ts';
import type { Source } from '#shared/sources/schema.ts';

const pageId = '104345678901234';
const pageToken = 'EAAB-page-token-spring';
const appSecret = 'meta-app-secret';
const leadId = '1202123456789012345';

/** A lead as Graph answers `GET /{leadgen_id}` (Meta's documented shape). */
const graphLead = {
  id: leadId,
  page_id: pageId,
  created_time: '2024-05-02T10:07:01+0000',
  ad_id: '23851234567890123',
  adset_id: '23851234567890124',
  campaign_id: '23851234567890125',
  form_id: '1234567890123456789',
  is_organic: false,
  platform: 'ig',
  field_data: [
    { name: 'full_name', values: ['Jane Doe'] },
    { name: 'email', values: ['jane.doe@example.com'] },
    { name: 'phone_number', values: ['+34600000000'] },
    { name: 'what_topics_interest_you?', values: ['Pricing', 'Demo'] },
  ],
};

function source(yaml = `meta: { pageId: "${pageId}", pageToken: SPRING_PAGE_TOKEN }`): Source {
  const parsed = parseSource(
    'meta-spring',
    `channel: meta\n${yaml}\nlead:\n  FirstName: full_name\n  LastName: full_name\n`,
  );
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  return parsed.source;
}

function envelope(id = leadId): Envelope {
  return newEnvelope({
    sourceId: 'meta-spring',
    channel: 'meta',
    fields: {},
    context: { 'meta.leadgen_id': id, 'meta.page_id': pageId },
    dedupeKey: `meta:${id}`,
    fetch: { provider: 'meta', id },
  });
}

let graph: FakeGraph;
const secrets = (
  values: Record<string, string> = { SPRING_PAGE_TOKEN: pageToken, META_APP_SECRET: appSecret },
) => secretStore(async () => values);
const resolver = (values?: Record<string, string>) =>
  metaResolver({ graphUrl: graph.url, graphVersion: 'v23.0', secrets: secrets(values), timeoutMs: 2000 });

beforeAll(async () => {
  graph = await startFakeGraph({ port: 0, pageTokens: { [pageId]: pageToken }, appSecret });
});
beforeEach(() => {
  graph.addLead(structuredClone(graphLead));
  graph.setPageToken(pageId, pageToken);
});
afterAll(async () => {
  await graph?.stop();
});

describe('metaResolver', () => {
  it('fetches the lead from Graph and maps field_data and the lead facts', async () => {
    // Prepare
    const before = graph.requests().length;

    // Act
    const resolved = await resolver()(envelope(), source());

    // Assess
    expect(resolved).toEqual({
      ok: true,
      fields: {
        full_name: 'Jane Doe',
        email: 'jane.doe@example.com',
        phone_number: '+34600000000',
        'what_topics_interest_you?': 'Pricing, Demo',
      },
      context: {
        source: 'meta-spring',
        'meta.campaign_id': '23851234567890125',
        'meta.adset_id': '23851234567890124',
        'meta.ad_id': '23851234567890123',
        'meta.form_id': '1234567890123456789',
        'meta.is_organic': 'false',
        'meta.platform': 'ig',
        'meta.created_time': '2024-05-02T10:07:01.000Z',
      },
    });
    const [request] = graph.requests().slice(before);
    expect(request).toMatchObject({
      method: 'GET',
      version: 'v23.0',
      leadId,
      hadToken: true,
      tokenInUrl: false,
      hadProof: true,
    });
    expect(request?.fields?.split(',')).toEqual(
      expect.arrayContaining(['field_data', 'campaign_id', 'ad_id', 'form_id', 'is_organic', 'platform']),
    );
  });

  it('classifies a missing appsecret_proof (no META_APP_SECRET) as a rejected request', async () => {
    // Act
    const resolved = await resolver({ SPRING_PAGE_TOKEN: pageToken })(envelope(), source());

    // Assess
    expect(resolved).toMatchObject({ ok: false, outcome: { kind: 'permanent', reason: 'graph_rejected' } });
    expect(graph.requests().at(-1)?.hadProof).toBe(false);
  });

  describe.each<[GraphFault, string, Record<string, unknown>]>([
    ['expiredToken', 'configuration', { status: 400 }],
    ['invalidToken', 'configuration', { status: 400 }],
    ['permissionDenied', 'configuration', { status: 403 }],
    ['leadsRetrievalMissing', 'configuration', { status: 403 }],
    ['appRateLimit', 'transient', { ambiguous: false }],
    ['userRateLimit', 'transient', {}],
    ['pageRateLimit', 'transient', {}],
    ['callsRateLimit', 'transient', {}],
    ['businessRateLimit', 'transient', { retryAfterSeconds: 300 }],
    ['serverError', 'transient', { status: 500 }],
    ['html503', 'transient', { status: 503 }],
    ['reset', 'transient', { ambiguous: false }],
    ['leadNotFound', 'permanent', { reason: 'lead_not_found' }],
  ])('a Graph answer %s', (fault, kind, details) => {
    it(`is a ${kind} outcome`, async () => {
      // Prepare
      graph.failNext(fault);

      // Act
      const resolved = await resolver()(envelope(), source());

      // Assess
      expect(resolved).toEqual({ ok: false, outcome: expect.objectContaining({ kind, ...details }) });
    });
  });

  it('answers permanent lead_not_found for a deleted lead and for a lead of another page', async () => {
    // Prepare
    graph.deleteLead(leadId);
    graph.addLead({ ...structuredClone(graphLead), id: '1202123456789019999', page_id: '999' });

    // Act
    const deleted = await resolver()(envelope(), source());
    const foreign = await resolver()(envelope('1202123456789019999'), source());

    // Assess
    for (const resolved of [deleted, foreign]) {
      expect(resolved).toMatchObject({ ok: false, outcome: { kind: 'permanent', reason: 'lead_not_found' } });
    }
  });

  it('sends the page token in the Authorization header, never in the URL', async () => {
    // Prepare
    const before = graph.requests().length;

    // Act
    const resolved = await resolver()(envelope(), source());

    // Assess
    expect(resolved.ok).toBe(true);
    expect(graph.requests().slice(before)).toEqual([
      expect.objectContaining({ hadToken: true, tokenInUrl: false }),
    ]);
  });

  it('never follows a redirect with the page token: a configuration outcome', async () => {
    // Prepare
    const elsewhere = await startFakeGraph({ port: 0 });
    graph.failNext({
      status: 307,
      error: { message: 'moved', type: 'OAuthException', code: 1 },
      headers: { location: `${elsewhere.url}/v23.0/${leadId}` },
    });

    // Act
    const resolved = await resolver()(envelope(), source());

    // Assess
    expect(resolved).toMatchObject({
      ok: false,
      outcome: { kind: 'configuration', message: expect.stringMatching(/redirect/) },
    });
    expect(elsewhere.requests()).toHaveLength(0);
    await elsewhere.stop();
  });

  it('classifies an expired page token as configuration, never quoting the token', async () => {
    // Prepare
    graph.expireToken(pageToken);
    graph.failNext({
      status: 400,
      error: { message: `Malformed access token ${pageToken}`, type: 'OAuthException', code: 190 },
    });

    // Act
    const echoed = await resolver()(envelope(), source());
    const expired = await resolver()(envelope(), source());

    // Assess
    expect(expired).toMatchObject({
      ok: false,
      outcome: { kind: 'configuration', message: expect.stringMatching(/190\/463/) },
    });
    expect(echoed).toMatchObject({ ok: false, outcome: { kind: 'configuration' } });
    expect(JSON.stringify([echoed, expired])).not.toContain(pageToken);
  });

  it.each([
    [
      'the page token secret is not set',
      {},
      `meta: { pageId: "${pageId}", pageToken: SPRING_PAGE_TOKEN }`,
      /SPRING_PAGE_TOKEN is not set/,
    ],
  ])('answers configuration without calling Graph when %s', async (_name, values, yaml, message) => {
    // Prepare
    const before = graph.requests().length;

    // Act
    const resolved = await resolver(values)(envelope(), source(yaml));

    // Assess
    expect(resolved).toMatchObject({
      ok: false,
      outcome: { kind: 'configuration', message: expect.stringMatching(message) },
    });
    expect(graph.requests()).toHaveLength(before);
  });

  it('answers transient when Graph cannot be reached', async () => {
    // Prepare
    const closed = await startFakeGraph({ port: 0 });
    await closed.stop();
    const unreachable = metaResolver({ graphUrl: closed.url, secrets: secrets(), timeoutMs: 2000 });

    // Act
    const resolved = await unreachable(envelope(), source());

    // Assess
    expect(resolved).toMatchObject({
      ok: false,
      outcome: { kind: 'transient', message: expect.stringMatching(/ECONNREFUSED/) },
    });
  });

  it.each([
    ['plain http to another host', { graphUrl: 'http://graph.example.test' }, /https/],
    ['a version without its v', { graphVersion: '23.0' }, /v23\.0/],
  ])('refuses to start with %s', (_name, options, message) => {
    expect(() => metaResolver({ secrets: secrets(), ...options })).toThrow(message);
  });
});

describe('classifyGraphError', () => {
  it.each([
    [
      400,
      { error: { code: 190, error_subcode: 460, type: 'OAuthException', message: 'password changed' } },
      'configuration',
    ],
    [400, { error: { code: 102, message: 'Session key invalid' } }, 'configuration'],
    [400, { error: { code: 299, message: 'permission' } }, 'configuration'],
    [400, { error: { code: 80004, message: 'too many calls to this ad account' } }, 'transient'],
    [400, { error: { code: 1, message: 'unknown error' } }, 'transient'],
    [400, { error: { code: 100, error_subcode: 33, message: 'does not exist' } }, 'permanent'],
    [400, { error: { code: 100, message: 'Tried accessing nonexisting field' } }, 'permanent'],
    [429, undefined, 'transient'],
    [502, 'Bad Gateway', 'transient'],
    [401, undefined, 'configuration'],
    [404, undefined, 'permanent'],
  ])('HTTP %i %j → %s', (status, body, kind) => {
    expect(classifyGraphError(status, body).kind).toBe(kind);
  });

  it('honours Retry-After', () => {
    expect(classifyGraphError(503, undefined, { retryAfter: '120' })).toMatchObject({
      retryAfterSeconds: 120,
    });
  });
});

describe('metaLeadFields', () => {
  it('keeps odd names as own fields and skips entries without a name', () => {
    // Act
    const fields = metaLeadFields([
      { name: '__proto__', values: ['x'] },
      { values: ['no name'] },
      { name: 'empty', values: [] },
    ]);

    // Assess
    expect(Object.keys(fields)).toEqual(['__proto__', 'empty']);
    expect(fields.empty).toBe('');
  });
});

describe('classifyGraphError: every class, with its status, reason and message', () => {
  const graphError = (error: Record<string, unknown>) => ({ error });

  it.each([
    [
      400,
      graphError({ code: 100, error_subcode: 33, type: 'GraphMethodException', message: 'gone' }),
      {
        kind: 'permanent',
        status: 400,
        reason: 'lead_not_found',
        message: 'Graph error 100/33 (GraphMethodException): gone',
      },
    ],
    [
      404,
      undefined,
      { kind: 'permanent', status: 404, reason: 'lead_not_found', message: 'Graph answered HTTP 404' },
    ],
    [
      404,
      graphError({ code: 100 }),
      { kind: 'permanent', status: 404, reason: 'graph_rejected', message: 'Graph error 100' },
    ],
    [
      400,
      graphError({ code: 100, error_subcode: 34 }),
      { kind: 'permanent', status: 400, reason: 'graph_rejected', message: 'Graph error 100/34' },
    ],
    [
      400,
      graphError({ code: 5, error_subcode: 33 }),
      { kind: 'permanent', status: 400, reason: 'graph_rejected', message: 'Graph error 5/33' },
    ],
    [400, graphError({ code: 190 }), { kind: 'configuration', status: 400, message: 'Graph error 190' }],
    [400, graphError({ code: 10 }), { kind: 'configuration', status: 400, message: 'Graph error 10' }],
    [400, graphError({ code: 200 }), { kind: 'configuration', status: 400, message: 'Graph error 200' }],
    [
      400,
      graphError({ code: 199 }),
      { kind: 'permanent', status: 400, reason: 'graph_rejected', message: 'Graph error 199' },
    ],
    [
      400,
      graphError({ code: 300 }),
      { kind: 'permanent', status: 400, reason: 'graph_rejected', message: 'Graph error 300' },
    ],
    [
      400,
      graphError({ code: 2 }),
      { kind: 'transient', status: 400, ambiguous: false, message: 'Graph error 2' },
    ],
    [
      400,
      graphError({ code: 17 }),
      { kind: 'transient', status: 400, ambiguous: false, message: 'Graph error 17' },
    ],
    [
      400,
      graphError({ code: 80000 }),
      { kind: 'transient', status: 400, ambiguous: false, message: 'Graph error 80000' },
    ],
    [
      400,
      graphError({ code: 80099 }),
      { kind: 'transient', status: 400, ambiguous: false, message: 'Graph error 80099' },
    ],
    [
      400,
      graphError({ code: 79999 }),
      { kind: 'permanent', status: 400, reason: 'graph_rejected', message: 'Graph error 79999' },
    ],
    [
      400,
      graphError({ code: 80100 }),
      { kind: 'permanent', status: 400, reason: 'graph_rejected', message: 'Graph error 80100' },
    ],
    [
      400,
      graphError({ code: 5, is_transient: true }),
      { kind: 'transient', status: 400, ambiguous: false, message: 'Graph error 5' },
    ],
    [
      400,
      graphError({ code: 5, is_transient: 'true' }),
      { kind: 'permanent', status: 400, reason: 'graph_rejected', message: 'Graph error 5' },
    ],
    [
      500,
      graphError({ code: 5 }),
      { kind: 'transient', status: 500, ambiguous: false, message: 'Graph error 5' },
    ],
    [
      499,
      graphError({ code: 5 }),
      { kind: 'permanent', status: 499, reason: 'graph_rejected', message: 'Graph error 5' },
    ],
    [403, undefined, { kind: 'configuration', status: 403, message: 'Graph answered HTTP 403' }],
    [
      403,
      graphError({ code: 5 }),
      { kind: 'permanent', status: 403, reason: 'graph_rejected', message: 'Graph error 5' },
    ],
    [
      400,
      undefined,
      { kind: 'permanent', status: 400, reason: 'graph_rejected', message: 'Graph answered HTTP 400' },
    ],
    [
      400,
      graphError({ code: '190', error_subcode: '1', type: 3, message: 4 }),
      { kind: 'permanent', status: 400, reason: 'graph_rejected', message: 'Graph answered HTTP 400' },
    ],
    [
      400,
      { error: 'bad' },
      { kind: 'permanent', status: 400, reason: 'graph_rejected', message: 'Graph answered HTTP 400' },
    ],
  ])('HTTP %i %j', (status, body, outcome) => {
    expect(classifyGraphError(status, body)).toStrictEqual(outcome);
  });

  it('cuts the message at 300 characters', () => {
    expect(classifyGraphError(400, graphError({ code: 5, message: 'm'.repeat(400) }))).toMatchObject({
      message: `Graph error 5: ${'m'.repeat(285)}`,
    });
  });

  it('prefers Retry-After to the business-use-case wait, and takes the longest wait of several accounts', () => {
    // Prepare
    const usage = '{"1":[{"estimated_time_to_regain_access":2}],"2":[{"estimated_time_to_regain_access":7}]}';

    // Act
    const both = classifyGraphError(429, undefined, { retryAfter: '30', businessUseCase: usage });
    const usageOnly = classifyGraphError(429, undefined, { businessUseCase: usage });

    // Assess
    expect(both).toMatchObject({ retryAfterSeconds: 30 });
    expect(usageOnly).toMatchObject({ retryAfterSeconds: 420 });
  });
});

describe('metaLeadFields and metaLeadContext: what Graph sends, as input', () => {
  it('joins values with ", ", drops null and undefined ones, takes a lone value, skips what has no name', () => {
    // Act
    const fields = metaLeadFields([
      { name: 'topics', values: ['A', null, 2, undefined, true] },
      { name: 'lone', values: 'one' },
      { name: 'absent' },
      { name: '', values: ['x'] },
      { name: 3, values: ['x'] },
      'text',
      null,
    ]);

    // Assess
    expect({ ...fields }).toEqual({ topics: 'A, 2, true', lone: 'one', absent: '' });
  });

  it('reads ids given as numbers, the organic flag and the creation time', () => {
    // Act
    const context = metaLeadContext(
      {
        campaign_id: 5,
        ad_id: '',
        form_id: 'f',
        platform: 'fb',
        is_organic: true,
        created_time: '2024-05-02T10:07:01+0000',
      },
      'meta-spring',
    );

    // Assess
    expect(context).toStrictEqual({
      source: 'meta-spring',
      'meta.campaign_id': '5',
      'meta.form_id': 'f',
      'meta.platform': 'fb',
      'meta.is_organic': 'true',
      'meta.created_time': '2024-05-02T10:07:01.000Z',
    });
  });
});

describe('metaResolver: what an operator reads when it cannot fetch', () => {
  it('never quotes the page token when Graph echoes it and no META_APP_SECRET is set', async () => {
    // Prepare
    graph.failNext({
      status: 400,
      error: { message: `Malformed access token ${pageToken}`, type: 'OAuthException', code: 190 },
    });

    // Act
    const resolved = await resolver({ SPRING_PAGE_TOKEN: pageToken })(envelope(), source());

    // Assess
    expect(resolved).toMatchObject({ ok: false, outcome: { kind: 'configuration' } });
    expect(JSON.stringify(resolved)).not.toContain(pageToken);
  });

  it('names Graph when it cannot be reached', async () => {
    // Prepare
    const closed = await startFakeGraph({ port: 0 });
    await closed.stop();

    // Act
    const resolved = await metaResolver({ graphUrl: closed.url, secrets: secrets(), timeoutMs: 2000 })(
      envelope(),
      source(),
    );

    // Assess
    expect(resolved).toEqual({
      ok: false,
      outcome: { kind: 'transient', ambiguous: false, message: 'cannot reach Graph (ECONNREFUSED)' },
    });
  });

  it('says which page token secret is not set', async () => {
    // Act
    const resolved = await resolver({})(envelope(), source());

    // Assess
    expect(resolved).toEqual({
      ok: false,
      outcome: { kind: 'configuration', message: 'Meta page token secret SPRING_PAGE_TOKEN is not set' },
    });
  });

  it.each([['x1202123456789012345'], ['1202123456789012345x'], ['1'.repeat(31)]])(
    'refuses the leadgen id %s as invalid_envelope',
    async (id) => {
      // Act
      const resolved = await resolver()(envelope(id), source());

      // Assess
      expect(resolved).toMatchObject({
        ok: false,
        outcome: { kind: 'permanent', reason: 'invalid_envelope' },
      });
    },
  );

  it.each([
    [
      'a version with text after it',
      { graphVersion: 'v23.0-beta' },
      'Graph version must look like v23.0: v23.0-beta',
    ],
    [
      'a version with text before it',
      { graphVersion: 'api-v23.0' },
      'Graph version must look like v23.0: api-v23.0',
    ],
    ['plain http to another host', { graphUrl: 'http://graph.example.test' }, /Graph URL/],
  ])('refuses to start with %s', (_name, options, message) => {
    expect(() => metaResolver({ secrets: secrets(), ...options })).toThrow(message);
  });

  it('starts with a minor version of two digits', () => {
    expect(() => metaResolver({ secrets: secrets(), graphVersion: 'v23.10' })).not.toThrow();
  });

  it('takes no wait from an estimated_time_to_regain_access given as text', () => {
    // Act
    const outcome = classifyGraphError(
      400,
      { error: { code: 4 } },
      { businessUseCase: '{"1":[{"estimated_time_to_regain_access":"5"}]}' },
    );

    // Assess
    expect(outcome).toStrictEqual({
      kind: 'transient',
      status: 400,
      ambiguous: false,
      message: 'Graph error 4',
    });
  });

  it('leaves out a creation time that is no string', () => {
    expect(metaLeadContext({ created_time: 1714644421 }, 'meta-spring')).toStrictEqual({
      source: 'meta-spring',
    });
  });
});
