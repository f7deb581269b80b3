import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAKE_LINKEDIN_TOKEN, type FakeLinkedin, startFakeLinkedin } from '#local/fakes/linkedin.ts';
import { newEnvelope } from '#shared/channels/common/enqueue.ts';
import { linkedinLeadFields, linkedinResolver } from '#shared/channels/linkedin/fetch.ts';
import type { Envelope } from '#shared/envelope.ts';
import type { SecretStore } from '#shared/security/secrets.ts';
import { secretStore } from '#shared/security/secrets.ts';
import { parseSource } from '#shared/sources/loader.ts';
import { failingSecretStore, secretStoreFailures } from '#test/support/channels.ts';

// What the resolver does with LinkedIn answers that are not the documented shape, and with secret
// stores that fail. The documented paths are in fetch.test.ts.

const formId = '6955637458260688897';
const responseId = 'odd-lead-1';

const parsed = parseSource(
  'linkedin-webinar',
  `channel: linkedin\nlinkedin: { formIds: ["${formId}"] }\nlead:\n  FirstName: FIRST_NAME\n  LastName: LAST_NAME\n`,
);
if (!parsed.ok) throw new Error('invalid test source');
const source = parsed.source;

/** A LinkedIn envelope; `fetchId` null: one without the id to fetch. */
function envelope(context: Record<string, string> = {}, fetchId: string | null = responseId): Envelope {
  return newEnvelope({
    sourceId: 'linkedin-webinar',
    channel: 'linkedin',
    fields: {},
    context,
    ...(fetchId === null ? {} : { fetch: { provider: 'linkedin' as const, id: fetchId } }),
  });
}

const text = (questionId: number, answer: unknown) => ({
  questionId,
  answerDetails: { textQuestionAnswer: { answer } },
});

let linkedin: FakeLinkedin;
const tokenStore = secretStore(async () => ({ LINKEDIN_ACCESS_TOKEN: FAKE_LINKEDIN_TOKEN }));
/** A resolver with LinkedIn's default version and timeout. */
const resolver = (secrets: SecretStore = tokenStore) => linkedinResolver({ apiUrl: linkedin.url, secrets });
/** The next lead read answers 200 with this body. */
const leadAnswers = (body: unknown) =>
  linkedin.failNext({ status: 200, body: body as never }, { only: 'leadFormResponses' });
const formReads = () => linkedin.requests().filter((request) => request.path.startsWith('/rest/leadForms/'));

beforeAll(async () => {
  linkedin = await startFakeLinkedin({ port: 0 });
});
afterAll(async () => {
  await linkedin?.stop();
});

describe('linkedinResolver with odd LinkedIn answers', () => {
  it.each([
    ['a JSON array', []],
    ['no formResponse', { id: responseId }],
    ['a formResponse that is text', { id: responseId, formResponse: 'answers' }],
  ])('answers a retryable outcome for a lead that is %s', async (_case, body) => {
    // Prepare
    leadAnswers(body);

    // Act
    const resolved = await resolver()(envelope(), source);

    // Assess
    expect(resolved).toEqual({
      ok: false,
      outcome: {
        kind: 'transient',
        ambiguous: false,
        message: 'unexpected LinkedIn answer (no formResponse)',
      },
    });
  });

  it('reads the form named by the envelope when the lead has no form URN, and a lead with only its answers', async () => {
    // Prepare
    linkedin.addForm({
      id: '42',
      content: { questions: [{ questionId: 1, predefinedField: 'EMAIL' }] },
    } as never);
    leadAnswers({ id: responseId, formResponse: { answers: ['not an answer', text(1, 'ana@example.com')] } });

    // Act
    const resolved = await resolver()(envelope({ 'linkedin.form_id': '42' }), source);

    // Assess
    expect(resolved).toEqual({
      ok: true,
      fields: { EMAIL: 'ana@example.com' },
      context: { source: 'linkedin-webinar', 'linkedin.form_id': '42' },
    });
    expect(formReads().at(-1)?.path).toBe('/rest/leadForms/42');
  });

  it.each([
    ['no form id anywhere', {}],
    ['a form id that is not digits', { 'linkedin.form_id': '../admin' }],
  ])('names answers by question id without reading a form when there is %s', async (_case, context) => {
    // Prepare
    const before = formReads().length;
    leadAnswers({
      id: responseId,
      versionedLeadGenFormUrn: 'urn:li:somethingElse:1',
      formResponse: { answers: [text(7, 'Ana')] },
    });

    // Act
    const resolved = await resolver()(envelope(context), source);

    // Assess
    expect(resolved).toMatchObject({ ok: true, fields: { '7': 'Ana' } });
    expect(formReads()).toHaveLength(before);
  });

  it('treats answers that are not a list as no answers', async () => {
    // Prepare
    leadAnswers({ id: responseId, formResponse: { answers: 'none' } });

    // Act
    const resolved = await resolver()(envelope(), source);

    // Assess
    expect(resolved).toMatchObject({ ok: true, fields: {} });
  });

  it('leaves out of the context what the lead does not carry, or carries in the wrong shape', async () => {
    // Prepare
    leadAnswers({
      id: responseId,
      leadType: 7,
      testLead: 'no',
      submittedAt: 'yesterday',
      leadMetadata: { sponsoredLeadMetadata: { campaign: 5 } },
      associatedEntity: { associatedCreative: null },
      formResponse: { answers: [] },
    });

    // Act
    const resolved = await resolver()(envelope(), source);

    // Assess
    expect(resolved).toEqual({ ok: true, fields: {}, context: { source: 'linkedin-webinar' } });
  });

  it('names answers by question id, and choices by option id, from a form of an unexpected shape', async () => {
    // Prepare: a form whose questions are partly malformed
    linkedin.addForm({
      id: '43',
      content: {
        questions: [
          'not a question',
          { predefinedField: 'PHONE' },
          { questionId: 2, questionDetails: 'none' },
          {
            questionId: 3,
            predefinedField: 'COUNTRY',
            questionDetails: {
              multipleChoiceQuestionDetails: {
                options: [
                  'not an option',
                  { text: 'no id' },
                  { id: 1, text: 'Spain' },
                  { id: 2, text: { localized: { en_US: 7 } } },
                  { id: 3, text: { label: 'France' } },
                  { id: 4, text: { localized: { es_ES: 'Portugal' } } },
                ],
              },
            },
          },
        ],
      },
    } as never);
    leadAnswers({
      id: responseId,
      versionedLeadGenFormUrn: 'urn:li:versionedLeadGenForm:(urn:li:leadGenForm:43,1)',
      formResponse: {
        answers: [
          text(2, 'Ana'),
          { questionId: 3, answerDetails: { multipleChoiceAnswer: { options: [1, 2, 3, 4] } } },
        ],
      },
    });

    // Act
    const resolved = await resolver()(envelope(), source);

    // Assess
    expect(resolved).toMatchObject({ ok: true, fields: { '2': 'Ana', COUNTRY: 'Spain, 2, 3, Portugal' } });
  });

  it.each([
    ['a form without content', { id: '44' }],
    ['a form whose questions are not a list', { id: '44', content: { questions: {} } }],
  ])('names every answer by question id for %s', async (_case, form) => {
    // Prepare
    linkedin.addForm(form as never);
    leadAnswers({
      id: responseId,
      versionedLeadGenFormUrn: 'urn:li:versionedLeadGenForm:(urn:li:leadGenForm:44,1)',
      formResponse: { answers: [text(1, 'Ana')] },
    });

    // Act
    const resolved = await resolver()(envelope(), source);

    // Assess
    expect(resolved).toMatchObject({ ok: true, fields: { '1': 'Ana' } });
  });

  it.each([
    ['an error body without a message', { status: 400, code: 'BAD' }, 'LinkedIn HTTP 400 BAD'],
    ['an error body that is not an object', 'Bad Request', 'LinkedIn HTTP 400'],
  ])('answers permanent linkedin_rejected for %s', async (_case, body, message) => {
    // Prepare
    linkedin.failNext({ status: 400, body: body as never }, { only: 'leadFormResponses' });

    // Act
    const resolved = await resolver()(envelope(), source);

    // Assess
    expect(resolved).toEqual({
      ok: false,
      outcome: { kind: 'permanent', status: 400, reason: 'linkedin_rejected', message },
    });
  });

  it('keeps the path of an API URL that has one', async () => {
    // Prepare
    const before = linkedin.requests().length;

    // Act
    const resolved = await linkedinResolver({ apiUrl: `${linkedin.url}/proxy`, secrets: tokenStore })(
      envelope(),
      source,
    );

    // Assess: the fake serves /rest only, so the lead is not found there
    expect(
      linkedin
        .requests()
        .slice(before)
        .map((request) => request.path),
    ).toEqual([`/proxy/rest/leadFormResponses/${responseId}`]);
    expect(resolved).toMatchObject({ ok: false, outcome: { kind: 'permanent', reason: 'lead_not_found' } });
  });
});

describe('linkedinResolver without what it needs', () => {
  it('refuses an envelope that carries no response id to fetch, without asking for the token', async () => {
    // Prepare
    let asked = 0;
    const secrets: SecretStore = {
      get: async () => {
        asked += 1;
        return FAKE_LINKEDIN_TOKEN;
      },
      require: async () => FAKE_LINKEDIN_TOKEN,
    };

    // Act
    const resolved = await resolver(secrets)(envelope({}, null), source);

    // Assess
    expect(resolved).toMatchObject({ ok: false, outcome: { kind: 'permanent', reason: 'invalid_envelope' } });
    expect(asked).toBe(0);
  });

  it.each(secretStoreFailures)(
    'answers a retryable outcome when the secret store fails with %s, naming only its kind',
    async (_case, failure, name) => {
      // Prepare
      const secrets = failingSecretStore(failure);

      // Act
      const resolved = await resolver(secrets)(envelope(), source);

      // Assess
      expect(resolved).toEqual({
        ok: false,
        outcome: { kind: 'transient', ambiguous: false, message: `secrets unavailable (${name})` },
      });
    },
  );
});

describe('linkedinLeadFields', () => {
  it('skips answers it cannot read and keeps the rest', () => {
    // Prepare
    const answers = [
      'not an answer',
      { questionId: 1 },
      { answerDetails: { textQuestionAnswer: { answer: 'no question id' } } },
      text(2, 42),
      { questionId: 3, answerDetails: { dateQuestionAnswer: { answer: '2026-01-01' } } },
      { questionId: 4, answerDetails: { multipleChoiceAnswer: { options: 'x' } } },
      { questionId: 5, answerDetails: { multipleChoiceAnswer: { options: [1, null, 'b'] } } },
      text(6, 'kept'),
    ];

    // Act
    const fields = linkedinLeadFields(answers, new Map());

    // Assess
    expect({ ...fields }).toEqual({ '4': '', '5': '1, b', '6': 'kept' });
  });
});
