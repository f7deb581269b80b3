import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  FAKE_LINKEDIN_TOKEN,
  type FakeLinkedin,
  type FakeLinkedinForm,
  type FakeLinkedinResponse,
  type LinkedinFault,
  startFakeLinkedin,
} from '#local/fakes/linkedin.ts';
import { newEnvelope } from '#shared/channels/common/enqueue.ts';
import {
  classifyLinkedinError,
  linkedinLeadContext,
  linkedinLeadFields,
  linkedinResolver,
} from '#shared/channels/linkedin/fetch.ts';
import type { Envelope } from '#shared/envelope.ts';
import { secretStore } from '#shared/security/secrets.ts';
import { parseSource } from '#shared/sources/loader.ts';
import { interceptLogLines, type LogLine } from '#test/support/fuzz/logs.ts';

const formId = '6955637458260688897';
const responseId = 'a9a29e52-c0a3-42e3-8af1-2fc83b697003-4';
const text = (value: string) => ({ localized: { en_US: value } });

/** A lead form as `GET /rest/leadForms/{id}` answers it (LinkedIn's documented shape). */
const form: FakeLinkedinForm = {
  id: formId,
  name: 'Webinar sign-up',
  creationLocale: { country: 'US', language: 'en' },
  state: 'PUBLISHED',
  content: {
    questions: [
      { questionId: 415148, name: 'firstName', question: text('First Name'), predefinedField: 'FIRST_NAME' },
      { questionId: 415149, name: 'lastName', question: text('Last Name'), predefinedField: 'LAST_NAME' },
      { questionId: 415150, name: 'email', question: text('Email'), predefinedField: 'EMAIL' },
      { questionId: 415151, name: 'company', question: text('Company'), predefinedField: 'COMPANY_NAME' },
      {
        questionId: 415152,
        name: 'Team size',
        question: text('How large is your team?'),
        questionDetails: {
          multipleChoiceQuestionDetails: {
            options: [
              { id: 1, text: text('1-10') },
              { id: 2, text: text('11-50') },
            ],
          },
        },
      },
      { questionId: 415153, name: 'Comments', question: text('Anything else?') },
    ],
  },
};

const answer = (questionId: number, value: string) => ({
  questionId,
  answerDetails: { textQuestionAnswer: { answer: value } },
});

/** A lead as `GET /rest/leadFormResponses/{id}` answers it (LinkedIn's documented shape). */
function response(
  id = responseId,
  extra: FakeLinkedinResponse['formResponse']['answers'] = [],
): FakeLinkedinResponse {
  return {
    id,
    owner: { sponsoredAccount: 'urn:li:sponsoredAccount:522529623' },
    submitter: 'urn:li:person:ABCDEFG',
    leadType: 'SPONSORED',
    leadMetadata: { sponsoredLeadMetadata: { campaign: 'urn:li:sponsoredCampaign:123456789' } },
    versionedLeadGenFormUrn: `urn:li:versionedLeadGenForm:(urn:li:leadGenForm:${formId},1)`,
    submittedAt: 1714644421000,
    testLead: false,
    associatedEntity: { associatedCreative: 'urn:li:sponsoredCreative:241257736' },
    formResponse: {
      answers: [
        answer(415148, 'Ana'),
        answer(415149, 'Ruiz'),
        answer(415150, 'ana.ruiz@example.com'),
        answer(415151, 'Acme Iberia'),
        { questionId: 415152, answerDetails: { multipleChoiceAnswer: { options: [2] } } },
        answer(415153, 'Call me'),
        ...extra,
      ],
      consentResponses: [{ accepted: true, consentId: 1 }],
    },
  };
}

const parsed = parseSource(
  'linkedin-webinar',
  `channel: linkedin\nlinkedin: { formIds: ["${formId}"] }\n` +
    'lead:\n  FirstName: FIRST_NAME\n  LastName: LAST_NAME\n',
);
if (!parsed.ok) throw new Error('invalid test source');
const source = parsed.source;

function envelope(id = responseId): Envelope {
  return newEnvelope({
    sourceId: 'linkedin-webinar',
    channel: 'linkedin',
    fields: {},
    context: { 'linkedin.form_id': formId },
    fetch: { provider: 'linkedin', id },
  });
}

let linkedin: FakeLinkedin;
const secrets = (values: Record<string, string> = { LINKEDIN_ACCESS_TOKEN: FAKE_LINKEDIN_TOKEN }) =>
  secretStore(async () => values);
const resolver = (values?: Record<string, string>, version = '202601') =>
  linkedinResolver({ apiUrl: linkedin.url, version, secrets: secrets(values), timeoutMs: 2000 });

beforeAll(async () => {
  linkedin = await startFakeLinkedin({ port: 0, sunsetVersions: ['202301'] });
});
beforeEach(() => {
  linkedin.addForm(structuredClone(form));
  linkedin.addResponse(response());
});
afterAll(async () => {
  await linkedin?.stop();
});

describe('linkedinResolver', () => {
  it('fetches the lead and names answers by predefinedField, else by question id', async () => {
    // Prepare
    const before = linkedin.requests().length;

    // Act
    const resolved = await resolver()(envelope(), source);

    // Assess
    expect(resolved).toEqual({
      ok: true,
      fields: {
        FIRST_NAME: 'Ana',
        LAST_NAME: 'Ruiz',
        EMAIL: 'ana.ruiz@example.com',
        COMPANY_NAME: 'Acme Iberia',
        '415152': '11-50',
        '415153': 'Call me',
      },
      context: {
        source: 'linkedin-webinar',
        'linkedin.form_id': formId,
        'linkedin.lead_type': 'SPONSORED',
        'linkedin.test_lead': 'false',
        'linkedin.submitted_at': '2024-05-02T10:07:01.000Z',
        'linkedin.campaign': 'urn:li:sponsoredCampaign:123456789',
        'linkedin.creative': 'urn:li:sponsoredCreative:241257736',
      },
    });
    expect(linkedin.requests().slice(before)).toEqual([
      expect.objectContaining({ path: `/rest/leadFormResponses/${responseId}`, version: '202601' }),
      expect.objectContaining({
        path: `/rest/leadForms/${formId}`,
        restliProtocol: '2.0.0',
        authorized: true,
      }),
    ]);
  });

  it('reads each form once, and again when a lead answers a question the cached copy lacks', async () => {
    // Prepare
    const resolve = resolver();
    linkedin.addResponse(response('second-lead-1'));
    linkedin.addResponse(response('edited-form-lead-1', [answer(415154, 'Spain')]));
    const formReads = () =>
      linkedin.requests().filter((request) => request.path.startsWith('/rest/leadForms/'));
    const before = formReads().length;

    // Act
    await resolve(envelope(), source);
    await resolve(envelope('second-lead-1'), source);
    const readsForTwoLeads = formReads().length - before;
    linkedin.addForm({
      ...structuredClone(form),
      content: {
        questions: [...form.content.questions, { questionId: 415154, predefinedField: 'COUNTRY' }],
      },
    });
    const edited = await resolve(envelope('edited-form-lead-1'), source);

    // Assess
    expect(readsForTwoLeads).toBe(1);
    expect(formReads().length - before).toBe(2);
    expect(edited).toMatchObject({ ok: true, fields: { COUNTRY: 'Spain' } });
  });

  it('names every answer by question id when the form is gone (404)', async () => {
    // Prepare
    linkedin.failNext('notFound', { only: 'leadForms' });

    // Act
    const resolved = await resolver()(envelope(), source);

    // Assess
    expect(resolved).toMatchObject({ ok: true, fields: { '415148': 'Ana', '415152': '2' } });
  });

  describe.each<[LinkedinFault, 'leadFormResponses' | 'leadForms', string, Record<string, unknown>]>([
    ['unauthorized', 'leadFormResponses', 'configuration', { status: 401 }],
    ['expiredToken', 'leadFormResponses', 'configuration', { status: 401 }],
    ['forbidden', 'leadFormResponses', 'configuration', { status: 403 }],
    ['rateLimit', 'leadFormResponses', 'transient', { status: 429, retryAfterSeconds: 60 }],
    ['serverError', 'leadFormResponses', 'transient', { status: 500 }],
    ['unavailable', 'leadFormResponses', 'transient', { status: 503 }],
    ['reset', 'leadFormResponses', 'transient', { ambiguous: false }],
    ['notFound', 'leadFormResponses', 'permanent', { status: 404, reason: 'lead_not_found' }],
    ['forbidden', 'leadForms', 'configuration', { status: 403 }],
    ['rateLimit', 'leadForms', 'transient', { status: 429 }],
  ])('a LinkedIn answer %s on %s', (fault, only, kind, details) => {
    it(`is a ${kind} outcome`, async () => {
      // Prepare
      linkedin.failNext(fault, { only });

      // Act
      const resolved = await resolver()(envelope(), source);

      // Assess
      expect(resolved).toEqual({ ok: false, outcome: expect.objectContaining({ kind, ...details }) });
    });
  });

  it.each(['..', '.', 'a.b', 'a%2F..'])(
    'refuses the response id %j as invalid_envelope without calling LinkedIn',
    async (id) => {
      // Prepare
      const before = linkedin.requests().length;

      // Act
      const resolved = await resolver()(envelope(id), source);

      // Assess
      expect(resolved).toMatchObject({
        ok: false,
        outcome: { kind: 'permanent', reason: 'invalid_envelope' },
      });
      expect(linkedin.requests()).toHaveLength(before);
    },
  );

  it('never follows a redirect with the Bearer token: a configuration outcome', async () => {
    // Prepare
    const elsewhere = await startFakeLinkedin({ port: 0 });
    linkedin.failNext({
      status: 307,
      body: { status: 307, message: 'moved' },
      headers: { location: `${elsewhere.url}/rest/leadFormResponses/${responseId}` },
    });

    // Act
    const resolved = await resolver()(envelope(), source);

    // Assess
    expect(resolved).toMatchObject({
      ok: false,
      outcome: { kind: 'configuration', message: expect.stringMatching(/redirect/) },
    });
    expect(elsewhere.requests()).toHaveLength(0);
    await elsewhere.stop();
  });

  it('answers permanent lead_not_found for a deleted response', async () => {
    // Prepare
    linkedin.deleteResponse(responseId);

    // Act
    const resolved = await resolver()(envelope(), source);

    // Assess
    expect(resolved).toMatchObject({ ok: false, outcome: { kind: 'permanent', reason: 'lead_not_found' } });
  });

  it.each([
    ['a wrong token', { LINKEDIN_ACCESS_TOKEN: 'expired-token' }, '202601', /401 INVALID_ACCESS_TOKEN/],
    ['a sunset LinkedIn-Version', undefined, '202301', /426 NONEXISTENT_VERSION/],
    ['no token secret', {}, '202601', /LINKEDIN_ACCESS_TOKEN is not set/],
  ])('answers configuration for %s', async (_name, values, version, message) => {
    // Act
    const resolved = await resolver(values, version)(envelope(), source);

    // Assess
    expect(resolved).toMatchObject({
      ok: false,
      outcome: { kind: 'configuration', message: expect.stringMatching(message) },
    });
  });

  it('never puts the access token in an outcome message', async () => {
    // Prepare
    linkedin.failNext({
      status: 401,
      body: {
        status: 401,
        code: 'INVALID_ACCESS_TOKEN',
        message: `Invalid access token ${FAKE_LINKEDIN_TOKEN}`,
      },
    });

    // Act
    const resolved = await resolver()(envelope(), source);

    // Assess
    expect(resolved).toMatchObject({ ok: false, outcome: { kind: 'configuration' } });
    expect(JSON.stringify(resolved)).not.toContain(FAKE_LINKEDIN_TOKEN);
  });

  it('refuses to start with plain http to another host or a malformed version', () => {
    expect(() => linkedinResolver({ secrets: secrets(), apiUrl: 'http://api.example.test' })).toThrow(
      /https/,
    );
    expect(() => linkedinResolver({ secrets: secrets(), version: '2026-01' })).toThrow(/YYYYMM/);
  });
});

describe('classifyLinkedinError', () => {
  it.each([
    [400, 'permanent'],
    [401, 'configuration'],
    [403, 'configuration'],
    [404, 'permanent'],
    [422, 'permanent'],
    [426, 'configuration'],
    [429, 'transient'],
    [504, 'transient'],
  ])('HTTP %i → %s', (status, kind) => {
    expect(classifyLinkedinError(status, { status, message: 'x' }).kind).toBe(kind);
  });
});

describe('the fake LinkedIn API', () => {
  const restli = { 'x-restli-protocol-version': '2.0.0' };
  const bearer = { authorization: `Bearer ${FAKE_LINKEDIN_TOKEN}` };
  it.each([
    ['no bearer token', { 'linkedin-version': '202601', ...restli }, 401, 'INVALID_ACCESS_TOKEN'],
    ['no LinkedIn-Version', { ...bearer, ...restli }, 400, 'VERSION_MISSING'],
    ['no Rest.li 2.0.0 header', { ...bearer, 'linkedin-version': '202601' }, 400, 'ILLEGAL_ARGUMENT'],
  ])('refuses a call with %s', async (_name, headers, status, code) => {
    // Act
    const answer = await fetch(`${linkedin.url}/rest/leadFormResponses/${responseId}`, { headers });

    // Assess
    expect(answer.status).toBe(status);
    expect(((await answer.json()) as { code: string }).code).toBe(code);
  });

  it('answers form ids beyond 2^53 as exact JSON numbers', async () => {
    // Act
    const answer = await fetch(`${linkedin.url}/rest/leadForms/${formId}`, {
      headers: { ...bearer, ...restli, 'linkedin-version': '202601' },
    });

    // Assess
    expect(await answer.text()).toContain(`"id":${formId},`);
  });
});

describe('classifyLinkedinError and linkedinLeadContext: outcomes and context compared whole', () => {
  it.each([
    [
      401,
      { code: 'INVALID_ACCESS_TOKEN', message: 'expired' },
      null,
      { kind: 'configuration', status: 401, message: 'LinkedIn HTTP 401 INVALID_ACCESS_TOKEN: expired' },
    ],
    [403, undefined, null, { kind: 'configuration', status: 403, message: 'LinkedIn HTTP 403' }],
    [
      426,
      { code: 5, message: 6 },
      null,
      { kind: 'configuration', status: 426, message: 'LinkedIn HTTP 426' },
    ],
    [
      404,
      { message: 'gone' },
      null,
      { kind: 'permanent', status: 404, reason: 'lead_not_found', message: 'LinkedIn HTTP 404: gone' },
    ],
    [
      429,
      undefined,
      '30',
      {
        kind: 'transient',
        status: 429,
        ambiguous: false,
        message: 'LinkedIn HTTP 429',
        retryAfterSeconds: 30,
      },
    ],
    [
      500,
      undefined,
      null,
      { kind: 'transient', status: 500, ambiguous: false, message: 'LinkedIn HTTP 500' },
    ],
    [
      499,
      'text',
      null,
      { kind: 'permanent', status: 499, reason: 'linkedin_rejected', message: 'LinkedIn HTTP 499' },
    ],
  ])('HTTP %i %j (Retry-After %s)', (status, body, retryAfter, outcome) => {
    expect(classifyLinkedinError(status, body, retryAfter)).toStrictEqual(outcome);
  });

  it('cuts the message at 300 characters', () => {
    expect(classifyLinkedinError(400, { message: 'm'.repeat(400) })).toMatchObject({
      message: `LinkedIn HTTP 400: ${'m'.repeat(281)}`,
    });
  });

  it('reads the lead facts LinkedIn sends, and nothing of the wrong shape', () => {
    // Act
    const full = linkedinLeadContext(
      {
        leadType: 'SPONSORED',
        testLead: true,
        submittedAt: '1714644421000',
        leadMetadata: { sponsoredLeadMetadata: { campaign: 'urn:li:sponsoredCampaign:1' } },
        associatedEntity: { associatedCreative: 'urn:li:sponsoredCreative:2' },
      },
      formId,
      'linkedin-webinar',
    );
    const odd = linkedinLeadContext(
      {
        leadType: 1,
        testLead: 'true',
        submittedAt: 0,
        leadMetadata: { sponsoredLeadMetadata: { campaign: 3 } },
        associatedEntity: { associatedCreative: 4 },
      },
      undefined,
      'linkedin-webinar',
    );
    const negative = linkedinLeadContext({ submittedAt: -1 }, '', 'linkedin-webinar');

    // Assess
    expect(full).toStrictEqual({
      source: 'linkedin-webinar',
      'linkedin.form_id': formId,
      'linkedin.lead_type': 'SPONSORED',
      'linkedin.test_lead': 'true',
      'linkedin.submitted_at': '2024-05-02T10:07:01.000Z',
      'linkedin.campaign': 'urn:li:sponsoredCampaign:1',
      'linkedin.creative': 'urn:li:sponsoredCreative:2',
    });
    expect(odd).toStrictEqual({ source: 'linkedin-webinar' });
    expect(negative).toStrictEqual({ source: 'linkedin-webinar' });
  });
});

describe('linkedinResolver: a form read from the cache, and what an operator reads', () => {
  it('names the answers of a second lead of the same form from the cached form', async () => {
    // Prepare
    const resolve = resolver();
    linkedin.addResponse(response('cached-form-lead-1'));

    // Act
    const first = await resolve(envelope(), source);
    const second = await resolve(envelope('cached-form-lead-1'), source);

    // Assess
    expect(first.ok).toBe(true);
    expect(second).toEqual(first);
  });

  it('warns, with the form id only, when the form is gone', async () => {
    // Prepare
    linkedin.failNext('notFound', { only: 'leadForms' });
    const lines: LogLine[] = [];
    const { restore } = interceptLogLines((line) => lines.push(line));

    // Act
    try {
      await resolver()(envelope(), source);
    } finally {
      restore();
    }

    // Assess
    expect(lines).toContainEqual(
      expect.objectContaining({
        level: 'WARN',
        message: 'linkedin form not found: answers are named by question id',
        formId,
      }),
    );
  });

  it('names LinkedIn when it cannot be reached, and an envelope without a response id', async () => {
    // Prepare
    const closed = await startFakeLinkedin({ port: 0 });
    await closed.stop();
    const unreachable = linkedinResolver({ apiUrl: closed.url, secrets: secrets(), timeoutMs: 2000 });

    // Act
    const down = await unreachable(envelope(), source);
    const invalid = await resolver()(envelope('..'), source);

    // Assess
    expect(down).toEqual({
      ok: false,
      outcome: { kind: 'transient', ambiguous: false, message: 'cannot reach LinkedIn (ECONNREFUSED)' },
    });
    expect(invalid).toEqual({
      ok: false,
      outcome: { kind: 'permanent', reason: 'invalid_envelope', message: 'no LinkedIn response id to fetch' },
    });
  });

  it.each([
    ['text after the version', '202601x', 'LinkedIn version must be YYYYMM: 202601x'],
    ['text before the version', 'v202601', 'LinkedIn version must be YYYYMM: v202601'],
    ['a one-digit revision', '202601.1', 'LinkedIn version must be YYYYMM: 202601.1'],
  ])('refuses to start with %s', (_name, version, message) => {
    expect(() => linkedinResolver({ secrets: secrets(), version })).toThrow(message);
  });

  it('starts with a revision (YYYYMM.RR), and names the API URL it refuses', () => {
    expect(() => linkedinResolver({ secrets: secrets(), version: '202601.01' })).not.toThrow();
    expect(() => linkedinResolver({ secrets: secrets(), apiUrl: 'http://api.example.test' })).toThrow(
      /LinkedIn API URL/,
    );
  });

  it('skips an answer whose text is not a string', () => {
    expect(
      Object.keys(
        linkedinLeadFields(
          [{ questionId: 1, answerDetails: { textQuestionAnswer: { answer: 5 } } }],
          new Map(),
        ),
      ),
    ).toEqual([]);
  });
});
