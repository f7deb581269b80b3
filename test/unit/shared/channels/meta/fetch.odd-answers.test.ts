import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newEnvelope } from '#shared/channels/common/enqueue.ts';
import { classifyGraphError, metaResolver } from '#shared/channels/meta/fetch.ts';
import type { Envelope } from '#shared/envelope.ts';
import { type SecretStore, secretStore } from '#shared/security/secrets.ts';
import { parseSource } from '#shared/sources/loader.ts';
import type { Source } from '#shared/sources/schema.ts';
import { failingSecretStore, secretStoreFailures } from '#test/support/channels.ts';

// What the Meta resolver does with Graph answers that are not the documented shape, with envelopes
// and sources that do not fit, and with failing secret stores. The documented paths (against the
// Graph fake) are in fetch.test.ts.

const pageId = '104345678901234';
const leadId = '1202123456789012345';

function source(yaml: string): Source {
  const parsed = parseSource(
    'meta-spring',
    `${yaml}\nlead:\n  FirstName: full_name\n  LastName: full_name\n`,
  );
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  return parsed.source;
}
const metaSource = source(`channel: meta\nmeta: { pageId: "${pageId}", pageToken: SPRING_PAGE_TOKEN }`);

/** A Meta envelope; `id` null: one without the id to fetch. */
function envelope(id: string | null = leadId): Envelope {
  return newEnvelope({
    sourceId: 'meta-spring',
    channel: 'meta',
    fields: {},
    context: {},
    ...(id === null ? {} : { fetch: { provider: 'meta' as const, id } }),
  });
}

/** A loopback Graph stand-in that answers each request with the next scripted answer (200 `{}` when none). */
let server: Server;
let url: string;
const answers: { status: number; body: string }[] = [];
const paths: string[] = [];
const answerNext = (body: unknown, status = 200) =>
  answers.push({ status, body: typeof body === 'string' ? body : JSON.stringify(body) });

beforeAll(async () => {
  server = createServer((req, res) => {
    paths.push(new URL(req.url ?? '/', 'http://x').pathname);
    const next = answers.shift() ?? { status: 200, body: '{}' };
    res.writeHead(next.status, { 'content-type': 'application/json' }).end(next.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

const tokenStore = secretStore(async () => ({ SPRING_PAGE_TOKEN: 'EAAB-page-token' }));
/** A resolver with the default timeout. */
const resolver = (secrets: SecretStore = tokenStore, graphUrl = url) =>
  metaResolver({ graphUrl, graphVersion: 'v23.0', secrets });

describe('metaResolver with odd Graph answers', () => {
  it.each([
    ['a lead without field_data', { id: leadId }],
    ['a JSON list', []],
    ['text that is not JSON', 'Service Unavailable'],
  ])('answers a retryable outcome for %s', async (_case, body) => {
    // Prepare
    answerNext(body);

    // Act
    const resolved = await resolver()(envelope(), metaSource);

    // Assess
    expect(resolved).toEqual({
      ok: false,
      outcome: { kind: 'transient', ambiguous: false, message: 'unexpected Graph answer (no field_data)' },
    });
  });

  it('leaves out of the context what the lead does not carry, keeps a creation time it cannot read, and a lone value', async () => {
    // Prepare
    answerNext({
      id: leadId,
      created_time: 'last tuesday',
      is_organic: 'no',
      campaign_id: null,
      field_data: [{ name: 'email', values: 'ana@example.com' }],
    });

    // Act
    const resolved = await resolver()(envelope(), metaSource);

    // Assess
    expect(resolved).toEqual({
      ok: true,
      fields: { email: 'ana@example.com' },
      context: { source: 'meta-spring', 'meta.created_time': 'last tuesday' },
    });
  });

  it('keeps the path of a Graph URL that has one', async () => {
    // Prepare
    const before = paths.length;
    answerNext({ id: leadId, field_data: [] });

    // Act
    const resolved = await resolver(tokenStore, `${url}/graph`)(envelope(), metaSource);

    // Assess
    expect(paths.slice(before)).toEqual([`/graph/v23.0/${leadId}`]);
    expect(resolved).toMatchObject({ ok: true });
  });

  it('classifies a 403 without a Graph error as configuration', async () => {
    // Prepare
    answerNext('Forbidden', 403);

    // Act
    const resolved = await resolver()(envelope(), metaSource);

    // Assess
    expect(resolved).toEqual({
      ok: false,
      outcome: { kind: 'configuration', status: 403, message: 'Graph answered HTTP 403' },
    });
  });
});

describe('metaResolver without what it needs', () => {
  it.each([
    ['no id to fetch', null],
    ['an id that is not a leadgen id', '../me'],
  ])('refuses an envelope with %s as invalid_envelope without calling Graph', async (_case, id) => {
    // Prepare
    const before = paths.length;

    // Act
    const resolved = await resolver()(envelope(id), metaSource);

    // Assess
    expect(resolved).toEqual({
      ok: false,
      outcome: { kind: 'permanent', reason: 'invalid_envelope', message: 'no Meta leadgen id to fetch' },
    });
    expect(paths).toHaveLength(before);
  });

  it('answers configuration for a lead whose source is no longer a Meta source', async () => {
    // Prepare: the source file was changed to another channel while the lead waited
    const nowPartner = source('channel: partner\npartner: { apiKeys: [ACME_KEY] }');

    // Act
    const resolved = await resolver()(envelope(), nowPartner);

    // Assess
    expect(resolved).toEqual({
      ok: false,
      outcome: { kind: 'configuration', message: 'source meta-spring has no meta.pageToken' },
    });
  });

  it.each(secretStoreFailures)(
    'answers a retryable outcome when the secret store fails with %s, naming only its kind',
    async (_case, failure, name) => {
      // Prepare
      const secrets = failingSecretStore(failure);

      // Act
      const resolved = await resolver(secrets)(envelope(), metaSource);

      // Assess
      expect(resolved).toEqual({
        ok: false,
        outcome: { kind: 'transient', ambiguous: false, message: `secrets unavailable (${name})` },
      });
    },
  );
});

describe('classifyGraphError: the wait of a rate limit', () => {
  const rateLimit = { error: { code: 4, message: 'Application request limit reached' } };

  it.each([
    [
      'the longest estimated_time_to_regain_access, in seconds',
      '{"1":[{"estimated_time_to_regain_access":3},{"estimated_time_to_regain_access":5}]}',
      300,
    ],
    ['nothing for entries that are not a list', '{"1":{"estimated_time_to_regain_access":3}}', undefined],
    [
      'nothing for entries without a positive wait',
      '{"1":["x",{"estimated_time_to_regain_access":0},{}]}',
      undefined,
    ],
    ['nothing for a header that is not JSON', 'soon', undefined],
    ['nothing for a header that is not an object', '[1]', undefined],
  ])('takes %s from X-Business-Use-Case-Usage', (_case, businessUseCase, retryAfterSeconds) => {
    // Act
    const outcome = classifyGraphError(400, rateLimit, { businessUseCase });

    // Assess
    expect(outcome.kind).toBe('transient');
    expect(outcome).toEqual(
      retryAfterSeconds === undefined
        ? expect.not.objectContaining({ retryAfterSeconds: expect.anything() })
        : expect.objectContaining({ retryAfterSeconds }),
    );
  });
});
