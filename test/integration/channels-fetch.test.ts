import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type FakeGraph, startFakeGraph } from '#local/fakes/graph.ts';
import { FAKE_LINKEDIN_TOKEN, type FakeLinkedin, startFakeLinkedin } from '#local/fakes/linkedin.ts';
import type { Runtime, RuntimeOptions } from '#local/runtime.ts';
import { SANDBOX_TOKEN, type Sandbox, startSandbox } from '#local/sandbox/server.ts';
import { UNROUTED_SOURCE_ID } from '#shared/channels/channel.ts';
import {
  linkedin as linkedinDescriptor,
  meta as metaDescriptor,
  signedHeaders,
} from '#shared/channels/index.ts';
import { linkedinChannel, linkedinRouter } from '#shared/channels/linkedin/channel.ts';
import { linkedinResolver } from '#shared/channels/linkedin/fetch.ts';
import { metaChannel, metaRouter } from '#shared/channels/meta/channel.ts';
import { metaResolver } from '#shared/channels/meta/fetch.ts';
import type { retryDelaySeconds } from '#shared/delivery/backoff.ts';
import { leadDelivery, RetryLaterError } from '#shared/delivery/deliver.ts';
import type { Envelope } from '#shared/envelope.ts';
import { SqlitePersistenceLayer } from '#shared/idempotency/sqlite-persistence.ts';
import { createOnpipelineClient } from '#shared/onpipeline/client.ts';
import { customFieldNames } from '#shared/onpipeline/custom-fields.ts';
import { previewLeads } from '#shared/preview/preview.ts';
import type { LeadQueue } from '#shared/queue/client.ts';
import { secretStore } from '#shared/security/secrets.ts';
import type { SourceRegistry } from '#shared/sources/registry.ts';
import type { Source } from '#shared/sources/schema.ts';
import { httpRequest, sourcesFrom } from '#test/support/channels.ts';
import { sqsRecordFactory } from '#test/support/queue.ts';
import { eventually, sandboxLeads, startTestRuntime, testWorkspace } from '#test/support/runtime.ts';

const ids = {
  page: '104345678901234',
  otherPage: '204345678901234',
  form: '1234567890123456789',
  lead: '1202123456789012345',
  otherLead: '1202123456789012346',
  campaign: '23851234567890125',
  linkedinForm: '6955637458260688897',
  response: 'a9a29e52-c0a3-42e3-8af1-2fc83b697003-4',
};
const pageToken = 'EAAB-page-token';
const appSecret = 'meta-app-secret';
const clientSecret = 'linkedin-client-secret';

const metaSource = (pageId: string) => `channel: meta
meta: { pageId: "${pageId}", pageToken: SPRING_PAGE_TOKEN }
lead:
  FirstName: { from: full_name, part: first }
  LastName: { from: full_name, part: last }
  Email:
    - { from: email }
  Phone:
    - { from: phone_number }
  Extra:
    - { id: "1411084437", value: Meta }
    - { id: "1411084438", from: $meta.campaign_id }
    - { id: "1411084440", from: "what_topics_interest_you?" }
`;
const linkedinSource = `channel: linkedin
linkedin: { formIds: ["${ids.linkedinForm}"] }
lead:
  FirstName: FIRST_NAME
  LastName: LAST_NAME
  OrgName: COMPANY_NAME
  Email:
    - { from: EMAIL }
  Extra:
    - { id: "1411084437", value: LinkedIn }
    - { id: "1411084441", from: "415153" }
`;

/** A Graph lead (`GET /{leadgen_id}`) of the spring page. */
const graphLead = (id: string, pageId = ids.page) => ({
  id,
  page_id: pageId,
  created_time: '2024-05-02T10:07:01+0000',
  ad_id: '23851234567890123',
  campaign_id: ids.campaign,
  form_id: ids.form,
  is_organic: false,
  platform: 'fb',
  field_data: [
    { name: 'full_name', values: ['Jane Doe'] },
    { name: 'email', values: ['jane.doe@example.com'] },
    { name: 'phone_number', values: ['+34600000000'] },
    { name: 'what_topics_interest_you?', values: ['Pricing', 'Demo'] },
  ],
});

const linkedinForm = {
  id: ids.linkedinForm,
  name: 'Webinar sign-up',
  content: {
    questions: [
      { questionId: 415148, predefinedField: 'FIRST_NAME' },
      { questionId: 415149, predefinedField: 'LAST_NAME' },
      { questionId: 415150, predefinedField: 'EMAIL' },
      { questionId: 415151, predefinedField: 'COMPANY_NAME' },
      { questionId: 415153, name: 'Comments' },
    ],
  },
};
const text = (questionId: number, answer: string) => ({
  questionId,
  answerDetails: { textQuestionAnswer: { answer } },
});
const linkedinLead = {
  id: ids.response,
  leadType: 'SPONSORED',
  versionedLeadGenFormUrn: `urn:li:versionedLeadGenForm:(urn:li:leadGenForm:${ids.linkedinForm},1)`,
  submittedAt: 1714644421000,
  testLead: false,
  formResponse: {
    answers: [
      text(415148, 'Ana'),
      text(415149, 'Ruiz'),
      text(415150, 'ana.ruiz@example.com'),
      text(415151, 'Acme Iberia'),
      text(415153, 'Call me'),
    ],
  },
};

/** Meta's leadgen notification for one lead, ids as bare JSON numbers, and its signature header. */
function metaPost(leadId: string, pageId = ids.page) {
  const body =
    `{"object":"page","entry":[{"id":"${pageId}","time":1714644422,"changes":[{"field":"leadgen","value":` +
    `{"ad_id":23851234567890123,"form_id":${ids.form},"leadgen_id":${leadId},"created_time":1714644421,` +
    `"page_id":${pageId},"adgroup_id":23851234567890124}}]}]}`;
  return {
    body,
    headers: { 'content-type': 'application/json', ...signedHeaders(metaDescriptor, appSecret, body) },
  };
}

/** LinkedIn's LEAD_ACTION notification and its `X-LI-Signature`. */
function linkedinPost(action = 'CREATED') {
  const body = JSON.stringify({
    type: 'LEAD_ACTION',
    leadGenFormResponse: `urn:li:leadFormResponse:${ids.response}`,
    leadGenForm: `urn:li:versionedLeadGenForm:(urn:li:leadGenForm:${ids.linkedinForm},1)`,
    owner: { sponsoredAccount: 'urn:li:sponsoredAccount:522529623' },
    leadType: 'SPONSORED',
    leadAction: action,
    occurredAt: 1714644421000,
  });
  return {
    body,
    headers: { 'content-type': 'application/json', ...signedHeaders(linkedinDescriptor, clientSecret, body) },
  };
}

/** A queue recording what capture enqueued and what deliver parked or delayed. */
function recordingQueue() {
  const enqueued: Envelope[] = [];
  const parked: { body: string; attributes: Record<string, string> }[] = [];
  const delays: number[] = [];
  const queue: LeadQueue = {
    async enqueue(envelope) {
      enqueued.push(structuredClone(envelope));
    },
    async deadLetter(body, attributes) {
      parked.push({ body, attributes });
    },
    async delay(_receipt, seconds) {
      delays.push(seconds);
    },
  };
  return { queue, enqueued, parked, delays };
}

describe('Meta and LinkedIn leads: capture → deliver fetching from the fakes → sandbox', () => {
  let sandbox: Sandbox;
  let graph: FakeGraph;
  let linkedin: FakeLinkedin;
  const secretValues: Record<string, string> = {};
  const secrets = secretStore(async () => ({ ...secretValues }), 0);
  const cleanups: (() => void)[] = [];
  const retries: Parameters<typeof retryDelaySeconds>[0][] = [];

  beforeAll(async () => {
    sandbox = await startSandbox({ port: 0 });
    graph = await startFakeGraph({ port: 0, appSecret });
    linkedin = await startFakeLinkedin({ port: 0, forms: [linkedinForm], responses: [linkedinLead] });
  });
  beforeEach(() => {
    Object.assign(secretValues, {
      META_APP_SECRET: appSecret,
      SPRING_PAGE_TOKEN: pageToken,
      LINKEDIN_CLIENT_SECRET: clientSecret,
      LINKEDIN_ACCESS_TOKEN: FAKE_LINKEDIN_TOKEN,
    });
    graph.setPageToken(ids.page, pageToken);
    graph.addLead(graphLead(ids.lead));
  });
  afterAll(async () => {
    for (const cleanup of cleanups.splice(0)) cleanup();
    await Promise.all([sandbox?.stop(), graph?.stop(), linkedin?.stop()]);
  });

  function registry(files: Record<string, string>): SourceRegistry {
    const made = sourcesFrom(files);
    cleanups.push(made.cleanup);
    return made.sources;
  }

  /** Capture and deliver wired as the functions wire them, over the given registries. */
  function gateway(
    captureSources: SourceRegistry,
    deliverSources = captureSources,
    idempotency?: SqlitePersistenceLayer,
  ) {
    const recorded = recordingQueue();
    const onpipeline = createOnpipelineClient({
      baseUrl: sandbox.url,
      token: async () => SANDBOX_TOKEN,
      timeoutMs: 5000,
    });
    const delivery = leadDelivery({
      sources: deliverSources,
      onpipeline,
      customFields: customFieldNames(onpipeline),
      queue: recorded.queue,
      retryDelay: (options) => {
        retries.push(options);
        return 0;
      },
      resolvers: {
        meta: metaResolver({ graphUrl: graph.url, graphVersion: 'v23.0', secrets, timeoutMs: 5000 }),
        linkedin: linkedinResolver({ apiUrl: linkedin.url, version: '202601', secrets, timeoutMs: 5000 }),
      },
      routers: { meta: metaRouter, linkedin: linkedinRouter },
      ...(idempotency ? { idempotency } : {}),
    });
    const deps = { sources: captureSources, queue: recorded.queue, secrets };
    return {
      ...recorded,
      meta: metaChannel(deps),
      linkedin: linkedinChannel(deps),
      deliver: delivery.deliver,
    };
  }

  const sandboxLead = (lastName: string) => sandbox.leads().find((lead) => lead.body.LastName === lastName);

  it('delivers a Meta lead fetched from Graph, mapped by the source config', async () => {
    // Prepare
    const run = gateway(registry({ 'meta-spring': metaSource(ids.page) }));
    await sandbox.clear();

    // Act
    const answer = await run.meta.capture(httpRequest({ path: '/v1/webhooks/meta', ...metaPost(ids.lead) }));
    for (const envelope of run.enqueued) await run.deliver(sqsRecordFactory(envelope));

    // Assess
    expect(answer.statusCode).toBe(200);
    expect(run.enqueued[0]).toMatchObject({ fields: {}, fetch: { provider: 'meta', id: ids.lead } });
    expect(sandboxLead('Doe')?.body).toEqual({
      FirstName: 'Jane',
      LastName: 'Doe',
      Email: [{ Address: 'jane.doe@example.com', Type: 'work' }],
      Phone: [{ Number: '+34600000000', Type: 'mobile' }],
      Extra: [
        { ID: '1411084437', Value: 'Meta' },
        { ID: '1411084438', Value: ids.campaign },
        { ID: '1411084440', Value: 'Pricing, Demo' },
      ],
    });
  });

  it('checks the delivered keys before fetching: a replayed Meta notification costs no Graph call', async () => {
    // Prepare
    const store = new SqlitePersistenceLayer(':memory:');
    cleanups.push(() => store.close());
    const run = gateway(registry({ 'meta-spring': metaSource(ids.page) }), undefined, store);
    await sandbox.clear();
    const fetches = () => graph.requests().filter((request) => request.leadId === ids.lead).length;
    const before = fetches();

    // Act
    await run.meta.capture(httpRequest({ path: '/v1/webhooks/meta', ...metaPost(ids.lead) }));
    await run.meta.capture(httpRequest({ path: '/v1/webhooks/meta', ...metaPost(ids.lead) }));
    for (const envelope of run.enqueued) await run.deliver(sqsRecordFactory(envelope));

    // Assess
    expect(run.enqueued.map((envelope) => envelope.dedupeKey)).toEqual([
      `meta:${ids.lead}`,
      `meta:${ids.lead}`,
    ]);
    expect(fetches() - before).toBe(1);
    expect(sandbox.leads().filter((lead) => lead.body.LastName === 'Doe')).toHaveLength(1);
  });

  it('delivers a LinkedIn lead fetched from leadFormResponses, named by the form questions', async () => {
    // Prepare
    const run = gateway(registry({ 'linkedin-webinar': linkedinSource }));
    await sandbox.clear();

    // Act
    const answer = await run.linkedin.capture(
      httpRequest({ path: '/v1/webhooks/linkedin', ...linkedinPost() }),
    );
    for (const envelope of run.enqueued) await run.deliver(sqsRecordFactory(envelope));

    // Assess
    expect(answer.statusCode).toBe(202);
    expect(sandboxLead('Ruiz')?.body).toEqual({
      FirstName: 'Ana',
      LastName: 'Ruiz',
      OrgName: 'Acme Iberia',
      Email: [{ Address: 'ana.ruiz@example.com', Type: 'work' }],
      Extra: [
        { ID: '1411084437', Value: 'LinkedIn' },
        { ID: '1411084441', Value: 'Call me' },
      ],
    });
  });

  it('previews a Meta and a LinkedIn lead exactly as they are delivered (fields and context)', async () => {
    // Prepare: mappings that use multi-answer questions and the context values deliver adds
    const context = `    - { id: "1411084439", template: "{{$source}}" }\n`;
    const meta = `${metaSource(ids.page)}${context}    - { id: "1411084442", template: "{{$meta.leadgen_id}} {{$meta.form_id}} {{$meta.platform}} {{$meta.is_organic}} {{$meta.created_time}}" }\n`;
    const linked = `${linkedinSource}${context}    - { id: "1411084443", template: "{{$linkedin.response_id}} {{$linkedin.form_id}} {{$linkedin.lead_type}} {{$linkedin.test_lead}} {{$linkedin.submitted_at}}" }\n`;
    const sources = registry({ 'meta-spring': meta, 'linkedin-webinar': linked });
    const run = gateway(sources);
    await sandbox.clear();
    // the LinkedIn sample names its answers itself (the API names them through the form)
    const names = new Map(
      linkedinForm.content.questions.map((q) => [q.questionId, q.predefinedField ?? String(q.questionId)]),
    );
    const linkedinSample = {
      ...linkedinLead,
      formResponse: {
        answers: linkedinLead.formResponse.answers.map((answer) => ({
          predefinedField: names.get(answer.questionId),
          answerDetails: answer.answerDetails,
        })),
      },
    };

    // Act
    await run.meta.capture(httpRequest({ path: '/v1/webhooks/meta', ...metaPost(ids.lead) }));
    await run.linkedin.capture(httpRequest({ path: '/v1/webhooks/linkedin', ...linkedinPost() }));
    for (const envelope of run.enqueued) await run.deliver(sqsRecordFactory(envelope));
    const [metaPreview] = await previewLeads(
      sources.get('meta-spring') as Source,
      JSON.stringify(graphLead(ids.lead)),
    );
    const [linkedinPreview] = await previewLeads(
      sources.get('linkedin-webinar') as Source,
      JSON.stringify(linkedinSample),
    );

    // Assess
    const delivered = (lastName: string) => sandboxLead(lastName)?.body;
    expect(delivered('Doe')).toBeDefined();
    expect(metaPreview?.result.ok && metaPreview.result.body).toEqual(delivered('Doe'));
    expect(delivered('Ruiz')).toBeDefined();
    expect(linkedinPreview?.result.ok && linkedinPreview.result.body).toEqual(delivered('Ruiz'));
  });

  it('delivers an unrouted lead once a source for its page exists; parks it when none does', async () => {
    // Prepare
    graph.setPageToken(ids.otherPage, pageToken);
    graph.addLead(graphLead(ids.otherLead, ids.otherPage));
    const before = registry({ 'meta-spring': metaSource(ids.page) });
    const after = registry({ 'meta-spring': metaSource(ids.page), 'meta-other': metaSource(ids.otherPage) });
    const routed = gateway(before, after);
    const stillUnrouted = gateway(before);
    await sandbox.clear();

    // Act
    const request = httpRequest({ path: '/v1/webhooks/meta', ...metaPost(ids.otherLead, ids.otherPage) });
    await routed.meta.capture(request);
    await stillUnrouted.meta.capture(request);
    await routed.deliver(sqsRecordFactory(routed.enqueued[0] as Envelope));
    await stillUnrouted.deliver(sqsRecordFactory(stillUnrouted.enqueued[0] as Envelope));

    // Assess
    expect(routed.enqueued[0]?.sourceId).toBe(UNROUTED_SOURCE_ID);
    expect(sandboxLead('Doe')).toBeDefined();
    expect(stillUnrouted.parked).toEqual([
      expect.objectContaining({ attributes: expect.objectContaining({ reason: 'unrouted' }) }),
    ]);
  });

  it('retries a lead while the page token is expired, and delivers it once renewed', async () => {
    // Prepare
    const run = gateway(registry({ 'meta-spring': metaSource(ids.page) }));
    await run.meta.capture(httpRequest({ path: '/v1/webhooks/meta', ...metaPost(ids.lead) }));
    const envelope = run.enqueued[0] as Envelope;
    graph.expireToken(pageToken);
    await sandbox.clear();

    // Act
    const first = await run
      .deliver(sqsRecordFactory(envelope, { receiveCount: 1 }))
      .catch((error: unknown) => error);
    graph.setPageToken(ids.page, 'EAAB-renewed-token');
    secretValues.SPRING_PAGE_TOKEN = 'EAAB-renewed-token';
    await run.deliver(sqsRecordFactory(envelope, { receiveCount: 2 }));

    // Assess
    expect(first).toBeInstanceOf(RetryLaterError);
    expect((first as RetryLaterError).outcome).toMatchObject({
      kind: 'configuration',
      message: expect.stringMatching(/190\/463/),
    });
    expect(JSON.stringify((first as RetryLaterError).outcome)).not.toContain(pageToken);
    expect(run.delays).toHaveLength(1);
    expect(sandboxLead('Doe')).toBeDefined();
  });

  it('retries a rate-limited fetch no sooner than Graph asks', async () => {
    // Prepare
    const run = gateway(registry({ 'meta-spring': metaSource(ids.page) }));
    await run.meta.capture(httpRequest({ path: '/v1/webhooks/meta', ...metaPost(ids.lead) }));
    graph.failNext('businessRateLimit');
    retries.length = 0;

    // Act
    const failure = await run
      .deliver(sqsRecordFactory(run.enqueued[0] as Envelope))
      .catch((error: unknown) => error);

    // Assess
    expect(failure).toBeInstanceOf(RetryLaterError);
    expect(retries).toEqual([expect.objectContaining({ kind: 'transient', retryAfterSeconds: 300 })]);
  });

  it('parks a lead that was deleted before delivery in the DLQ with reason lead_not_found', async () => {
    // Prepare
    const run = gateway(registry({ 'meta-spring': metaSource(ids.page) }));
    await run.meta.capture(httpRequest({ path: '/v1/webhooks/meta', ...metaPost(ids.lead) }));
    graph.deleteLead(ids.lead);
    await sandbox.clear();

    // Act
    await run.deliver(sqsRecordFactory(run.enqueued[0] as Envelope));

    // Assess
    expect(run.parked).toEqual([
      expect.objectContaining({
        attributes: expect.objectContaining({ reason: 'lead_not_found', source: 'meta-spring' }),
      }),
    ]);
    expect(sandbox.leads()).toHaveLength(0);
  });

  it('retries a LinkedIn lead while the access token is refused (401 → configuration)', async () => {
    // Prepare
    const run = gateway(registry({ 'linkedin-webinar': linkedinSource }));
    await run.linkedin.capture(httpRequest({ path: '/v1/webhooks/linkedin', ...linkedinPost() }));
    secretValues.LINKEDIN_ACCESS_TOKEN = 'revoked-token';

    // Act
    const failure = await run
      .deliver(sqsRecordFactory(run.enqueued[0] as Envelope))
      .catch((error: unknown) => error);

    // Assess
    expect(failure).toBeInstanceOf(RetryLaterError);
    expect((failure as RetryLaterError).outcome).toMatchObject({ kind: 'configuration', status: 401 });
  });
});

/**
 * The same paths through the real one-machine runtime: its gateway routes `/v1/webhooks/meta` and
 * `/v1/webhooks/linkedin`, and its resolvers fetch from the fakes (`graphUrl` / `linkedinUrl`).
 */
describe('Meta and LinkedIn leads through the one-machine runtime', () => {
  const workspace = testWorkspace({
    'meta-spring': metaSource(ids.page),
    'linkedin-webinar': linkedinSource,
  });
  let runtime: Runtime;
  let graph: FakeGraph;
  let linkedin: FakeLinkedin;
  const saved = { graph: process.env.META_GRAPH_URL, linkedin: process.env.LINKEDIN_API_URL };

  beforeAll(async () => {
    graph = await startFakeGraph({ port: 0, appSecret, pageTokens: { [ids.page]: pageToken } });
    graph.addLead(graphLead(ids.lead));
    linkedin = await startFakeLinkedin({ port: 0, forms: [linkedinForm], responses: [linkedinLead] });
    // Whatever the wiring reads (options or environment), the fetches stay on this machine.
    process.env.META_GRAPH_URL = graph.url;
    process.env.LINKEDIN_API_URL = linkedin.url;
    const options: RuntimeOptions & { graphUrl: string; linkedinUrl: string } = {
      graphUrl: graph.url,
      linkedinUrl: linkedin.url,
      retryDelay: () => 1,
      secrets: secretStore(async () => ({
        ONPIPELINE_TOKEN: SANDBOX_TOKEN,
        META_APP_SECRET: appSecret,
        META_VERIFY_TOKEN: 'verify-me',
        SPRING_PAGE_TOKEN: pageToken,
        LINKEDIN_CLIENT_SECRET: clientSecret,
        LINKEDIN_ACCESS_TOKEN: FAKE_LINKEDIN_TOKEN,
      })),
    };
    runtime = await startTestRuntime(workspace, options);
  });
  afterAll(async () => {
    await runtime?.stop();
    await Promise.all([graph?.stop(), linkedin?.stop()]);
    process.env.META_GRAPH_URL = saved.graph;
    process.env.LINKEDIN_API_URL = saved.linkedin;
    if (saved.graph === undefined) delete process.env.META_GRAPH_URL;
    if (saved.linkedin === undefined) delete process.env.LINKEDIN_API_URL;
    workspace.cleanup();
  });

  it('answers Meta verification and delivers a Meta lead', async () => {
    // Prepare
    const gatewayUrl = runtime.gatewayUrl;
    const { body, headers } = metaPost(ids.lead);

    // Act
    const verified = await fetch(
      `${gatewayUrl}/v1/webhooks/meta?hub.mode=subscribe&hub.challenge=42&hub.verify_token=verify-me`,
    );
    const answer = await fetch(`${gatewayUrl}/v1/webhooks/meta`, { method: 'POST', headers, body });

    // Assess
    expect(await verified.text()).toBe('42');
    expect(answer.status).toBe(200);
    const lead = await eventually(
      async () => (await sandboxLeads(runtime)).find((item) => item.body.LastName === 'Doe'),
      10_000,
      'the Meta lead in the sandbox',
    );
    expect(lead.body.Extra).toContainEqual({ ID: '1411084438', Value: ids.campaign });
  });

  it('answers the LinkedIn challenge and delivers a LinkedIn lead', async () => {
    // Prepare
    const gatewayUrl = runtime.gatewayUrl;
    const { body, headers } = linkedinPost();

    // Act
    const challengeCode = '0d4b5c8e-9a51-4c1e-8f3a-6b2d7e9f1a24';
    const challenge = await fetch(`${gatewayUrl}/v1/webhooks/linkedin?challengeCode=${challengeCode}`);
    const answer = await fetch(`${gatewayUrl}/v1/webhooks/linkedin`, { method: 'POST', headers, body });

    // Assess
    expect(await challenge.json()).toEqual({
      challengeCode,
      challengeResponse: createHmac('sha256', clientSecret).update(challengeCode).digest('hex'),
    });
    expect(answer.status).toBe(202);
    await eventually(
      async () => (await sandboxLeads(runtime)).find((item) => item.body.LastName === 'Ruiz'),
      10_000,
      'the LinkedIn lead in the sandbox',
    );
  });
});
