import type { SQSRecord } from 'aws-lambda';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { createDeliverHandler } from '#functions/deliver.ts';
import { lambdaContext } from '#local/poller.ts';
import { UNROUTED_SOURCE_ID } from '#shared/channels/channel.ts';
import type { retryDelaySeconds } from '#shared/delivery/backoff.ts';
import {
  type DeliveryAttempt,
  type DeliveryDeps,
  leadDelivery,
  RetryLaterError,
} from '#shared/delivery/deliver.ts';
import { SqlitePersistenceLayer } from '#shared/idempotency/sqlite-persistence.ts';
import { type OnpipelineClient, OnpipelineRequestError } from '#shared/onpipeline/client.ts';
import { customFieldNames } from '#shared/onpipeline/custom-fields.ts';
import type { DeliveryOutcome } from '#shared/onpipeline/outcome.ts';
import { dlqAttributeNames } from '#shared/queue/definition.ts';
import { counterValues, logger } from '#shared/telemetry.ts';
import { sourcesFrom } from '#test/support/channels.ts';
import { scriptedOnpipeline } from '#test/support/onpipeline.ts';
import { envelopeFactory, recordingLeadQueue, sqsRecordFactory } from '#test/support/queue.ts';

/**
 * The deliver worker's own outcomes (docs/operations.md, "The reasons a lead is parked"): each test
 * drives `leadDelivery` with the real mapping engine over real source YAML, a scripted Onpipeline
 * and a queue that records what deliver asked of SQS.
 */

const sourceFiles = {
  'deliver-form': `channel: form
form: { allowedOrigins: ["*"] }
lead:
  FirstName: first_name
  LastName: last_name
  Email:
    - { from: email }
`,
  'deliver-meta': `channel: meta
meta: { pageId: "104345678901234", pageToken: SPRING_PAGE_TOKEN }
lead:
  FirstName: { from: full_name, part: first }
  LastName: { from: full_name, part: last }
`,
};

describe('leadDelivery: what the deliver worker does with each kind of lead', () => {
  const { sources, cleanup } = sourcesFrom(sourceFiles);
  afterAll(cleanup);

  /** Delivery deps over the temp sources, a scripted Onpipeline and a recording queue. */
  function deliveryFor(answers: Record<string, DeliveryOutcome> = {}, extra: Partial<DeliveryDeps> = {}) {
    const onpipeline = scriptedOnpipeline({ answers });
    const recording = recordingLeadQueue();
    const retries: number[] = [];
    const delivery = leadDelivery({
      sources,
      onpipeline: onpipeline.client,
      customFields: customFieldNames(onpipeline.client),
      queue: recording.queue,
      retryDelay: ({ receiveCount, kind }) => {
        retries.push(receiveCount);
        return kind === 'configuration' ? 900 : 10 * receiveCount;
      },
      ...extra,
    });
    return { delivery, onpipeline, recording, retries };
  }

  it('delivers a mapped lead and asks nothing more of the queue', async () => {
    // Prepare
    const { delivery, onpipeline, recording } = deliveryFor();
    const envelope = envelopeFactory();

    // Act
    await delivery.deliver(sqsRecordFactory(envelope));

    // Assess
    expect(onpipeline.received).toEqual([
      { FirstName: 'Ada', LastName: 'Lovelace', Email: [{ Address: 'ada@example.com', Type: 'work' }] },
    ]);
    expect(recording.calls).toEqual([]);
  });

  it('sends a lead SQS offers twice only once when an idempotency store is given, replaying the LeadID', async () => {
    // Prepare
    const store = new SqlitePersistenceLayer(':memory:');
    const observed: { replayed?: boolean; kind: string }[] = [];
    const { delivery, onpipeline, recording } = deliveryFor(
      {},
      { idempotency: store, observe: (attempt) => observed.push(attempt.outcome) },
    );
    const envelope = envelopeFactory();

    // Act
    await delivery.deliver(sqsRecordFactory(envelope, { receiveCount: 1 }));
    await delivery.deliver(sqsRecordFactory(envelope, { receiveCount: 2 }));
    store.close();

    // Assess
    expect(onpipeline.received).toHaveLength(1);
    expect(observed).toEqual([
      expect.objectContaining({ kind: 'delivered', leadId: 'op-1', replayed: false }),
      expect.objectContaining({ kind: 'delivered', leadId: 'op-1', replayed: true }),
    ]);
    expect(recording.calls).toEqual([]);
  });

  it.each([
    ['a body that is not JSON', 'not json {', 'message body is not JSON'],
    ['JSON that is not an envelope', '{"v":2,"id":"x"}', 'not a lead envelope'],
    ['an envelope without a source id', JSON.stringify({ ...envelopeFactory(), sourceId: '' }), 'not a lead'],
  ])(
    'parks %s as invalid_envelope with the original body, without throwing or sending',
    async (_case, body, why) => {
      // Prepare
      const { delivery, onpipeline, recording } = deliveryFor();
      const record = sqsRecordFactory(body, { receiveCount: 1 });

      // Act
      await delivery.deliver(record);

      // Assess
      expect(onpipeline.received).toEqual([]);
      expect(recording.calls).toHaveLength(1);
      expect(recording.parked()).toEqual([
        {
          op: 'deadLetter',
          body,
          attributes: expect.objectContaining({
            [dlqAttributeNames.reason]: 'invalid_envelope',
            [dlqAttributeNames.message]: expect.stringContaining(why),
            [dlqAttributeNames.attempts]: '1',
          }),
        },
      ]);
    },
  );

  it('parks a lead whose source is no longer configured as unknown_source, naming the source', async () => {
    // Prepare
    const { delivery, onpipeline, recording } = deliveryFor();
    const envelope = envelopeFactory({ sourceId: 'removed-campaign' });

    // Act
    await delivery.deliver(sqsRecordFactory(envelope));

    // Assess
    expect(onpipeline.received).toEqual([]);
    expect(recording.calls).toEqual([
      {
        op: 'deadLetter',
        body: JSON.stringify(envelope),
        attributes: expect.objectContaining({
          reason: 'unknown_source',
          source: 'removed-campaign',
          message: expect.stringContaining('removed-campaign'),
        }),
      },
    ]);
  });

  it('parks a lead the current mapping cannot map as mapping_failed with the field errors, never retried', async () => {
    // Prepare: the lead has no last name, and the form source maps LastName from last_name only
    const { delivery, onpipeline, recording, retries } = deliveryFor();
    const envelope = envelopeFactory({ fields: { first_name: 'Ada' } });

    // Act: delivered twice (as a redrive without a mapping fix would)
    const first = delivery.deliver(sqsRecordFactory(envelope, { receiveCount: 1 }));
    await expect(first).resolves.toBeUndefined();
    await delivery.deliver(sqsRecordFactory(envelope, { receiveCount: 1 }));

    // Assess: permanent each time: parked, no retry delay, nothing sent
    expect(onpipeline.received).toEqual([]);
    expect(retries).toEqual([]);
    expect(recording.delays()).toEqual([]);
    expect(recording.parked()).toHaveLength(2);
    for (const parked of recording.parked()) {
      expect(parked).toMatchObject({
        attributes: {
          reason: 'mapping_failed',
          source: 'deliver-form',
          message: expect.stringMatching(/^LastName: required/),
        },
      });
      expect(parked.attributes.message).toContain('last_name');
    }
  });

  it('retries a fetch-by-id lead when no lead fetcher is configured (configuration, long delay), without parking it', async () => {
    // Prepare: a Meta lead that must be fetched from Graph, and no Meta resolver
    const { delivery, onpipeline, recording } = deliveryFor({}, { resolvers: {} });
    const envelope = envelopeFactory({
      sourceId: 'deliver-meta',
      channel: 'meta',
      fields: {},
      dedupeKey: 'meta:1202123456789012345',
      fetch: { provider: 'meta', id: '1202123456789012345' },
    });
    const record = sqsRecordFactory(envelope, { receiveCount: 2 });

    // Act
    const failure = await delivery.deliver(record).catch((error: unknown) => error);

    // Assess
    expect(failure).toBeInstanceOf(RetryLaterError);
    expect((failure as RetryLaterError).outcome).toMatchObject({
      kind: 'configuration',
      message: expect.stringContaining('no meta lead fetcher'),
    });
    expect(onpipeline.received).toEqual([]);
    expect(recording.calls).toEqual([{ op: 'delay', receiptHandle: record.receiptHandle, seconds: 900 }]);
  });

  it.each([
    ['transient', { kind: 'transient', status: 503, message: 'down', ambiguous: false }, 30],
    ['configuration', { kind: 'configuration', status: 401, message: 'bad token' }, 900],
  ] as const)(
    'sets the backoff delay and throws RetryLaterError for a %s answer',
    async (_kind, answer, seconds) => {
      // Prepare
      const { delivery, recording } = deliveryFor({ Lovelace: answer });
      const record = sqsRecordFactory(envelopeFactory(), { receiveCount: 3 });

      // Act
      const failure = await delivery.deliver(record).catch((error: unknown) => error);

      // Assess
      expect(failure).toBeInstanceOf(RetryLaterError);
      expect((failure as RetryLaterError).outcome).toMatchObject(answer);
      expect(recording.calls).toEqual([{ op: 'delay', receiptHandle: record.receiptHandle, seconds }]);
    },
  );

  it('still reports the lead for retry when ChangeMessageVisibility fails (SQS visibility timeout applies)', async () => {
    // Prepare
    const { delivery, recording } = deliveryFor({
      Lovelace: { kind: 'transient', status: 500, message: 'oops', ambiguous: false },
    });
    recording.failing('delay');

    // Act
    const failure = await delivery
      .deliver(sqsRecordFactory(envelopeFactory()))
      .catch((error: unknown) => error);

    // Assess: the retry error itself, not the queue's error, so the batch reports the lead as failed
    expect(failure).toBeInstanceOf(RetryLaterError);
    expect((failure as RetryLaterError).outcome).toMatchObject({ kind: 'transient', status: 500 });
    expect(recording.parked()).toEqual([]);
  });

  it('parks an Onpipeline rejection with status, message, attempts and attempt times', async () => {
    // Prepare
    const { delivery, recording } = deliveryFor({
      Lovelace: { kind: 'permanent', status: 406, reason: 'onpipeline_rejected', message: 'Invalid JSON' },
    });
    const firstReceivedAt = Date.parse('2026-12-01T10:00:00Z');
    const envelope = envelopeFactory();

    // Act
    await delivery.deliver(sqsRecordFactory(envelope, { receiveCount: 4, firstReceivedAt }));

    // Assess
    expect(recording.calls).toEqual([
      {
        op: 'deadLetter',
        body: JSON.stringify(envelope),
        attributes: {
          reason: 'onpipeline_rejected',
          status: '406',
          message: 'Invalid JSON',
          source: 'deliver-form',
          attempts: '4',
          firstAttemptAt: '2026-12-01T10:00:00.000Z',
          lastAttemptAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
          configVersion: 'bundled',
        },
      },
    ]);
  });
});

describe('the deliver handler: a mixed batch reports exactly the leads to retry', () => {
  const { sources, cleanup } = sourcesFrom(sourceFiles);
  afterAll(cleanup);

  it('lists only the transient and configuration failures in batchItemFailures', async () => {
    // Prepare: one lead per outcome, in one SQS batch
    const onpipeline = scriptedOnpipeline({
      answers: {
        Busy: {
          kind: 'transient',
          status: 429,
          message: 'slow down',
          retryAfterSeconds: 5,
          ambiguous: false,
        },
        Refused: { kind: 'permanent', status: 400, reason: 'onpipeline_rejected', message: 'bad' },
        Locked: { kind: 'configuration', status: 403, message: 'IP not whitelisted' },
        Known: { kind: 'duplicate', status: 409, message: 'duplicate' },
      },
    });
    const recording = recordingLeadQueue();
    const handler = createDeliverHandler(() => ({
      sources,
      onpipeline: onpipeline.client,
      customFields: customFieldNames(onpipeline.client),
      queue: recording.queue,
      retryDelay: () => 1,
    }));
    const lead = (lastName: string) =>
      sqsRecordFactory(envelopeFactory({ fields: { first_name: 'Ada', last_name: lastName } }));
    const records = {
      delivered: lead('Fine'),
      transient: lead('Busy'),
      rejected: lead('Refused'),
      configuration: lead('Locked'),
      duplicate: lead('Known'),
      unmappable: sqsRecordFactory(envelopeFactory({ fields: { first_name: 'Ada' } })),
      invalid: sqsRecordFactory('{"not":"an envelope"}'),
    };

    // Act
    const response = await handler({ Records: Object.values(records) }, lambdaContext());

    // Assess
    expect(response.batchItemFailures.map((failure) => failure.itemIdentifier).sort()).toEqual(
      [records.transient.messageId, records.configuration.messageId].sort(),
    );
    expect(
      recording
        .parked()
        .map((call) => call.attributes.reason)
        .sort(),
    ).toEqual(['invalid_envelope', 'mapping_failed', 'onpipeline_rejected']);
    expect(
      recording
        .delays()
        .map((call) => call.receiptHandle)
        .sort(),
    ).toEqual([records.transient.receiptHandle, records.configuration.receiptHandle].sort());
    expect(onpipeline.received.map((body) => body.LastName).sort()).toEqual(
      ['Busy', 'Fine', 'Known', 'Locked', 'Refused'].sort(),
    );
  });
});

describe('RetryLaterError', () => {
  it.each([
    [
      'a transient answer',
      { kind: 'transient', status: 503, message: 'down', ambiguous: false },
      'retry later: transient: down',
    ],
    [
      'an outcome without a message',
      { kind: 'delivered', status: 201, leadId: '7' },
      'retry later: delivered: ',
    ],
  ] as const)('names the outcome kind and its message for %s', (_case, outcome, expected) => {
    // Act
    const error = new RetryLaterError(outcome);

    // Assess
    expect(error).toMatchObject({ name: 'RetryLaterError', message: expected, outcome });
  });

  it('keeps its message to 300 characters', () => {
    // Act
    const error = new RetryLaterError({ kind: 'configuration', status: 401, message: 'x'.repeat(400) });

    // Assess
    expect(error.message).toBe(`retry later: configuration: ${'x'.repeat(300 - 28)}`);
  });
});

describe('leadDelivery: routing, fetching, metrics and log lines of each outcome', () => {
  const { sources, cleanup } = sourcesFrom({
    'deliver-form': sourceFiles['deliver-form'],
    'deliver-routed': `channel: form
form: { allowedOrigins: ["*"] }
lead:
  FirstName: first_name
  LastName: last_name
  OrgName: $source
`,
    'deliver-fetched': `channel: meta
meta: { pageId: "104345678901234", pageToken: SPRING_PAGE_TOKEN }
lead:
  FirstName: { from: full_name, part: first }
  LastName: { from: full_name, part: last }
  OrgName: $source
`,
    'deliver-named': `channel: form
form: { allowedOrigins: ["*"] }
lead:
  FirstName: first_name
  LastName: last_name
  Extra:
    - { name: Lead source, value: Website }
`,
  });
  afterAll(cleanup);
  afterEach(() => {
    vi.restoreAllMocks();
  });

  type RetryOptions = Parameters<typeof retryDelaySeconds>[0];

  /** Delivery over these sources, a scripted Onpipeline, a recording queue and a recording backoff. */
  function deliveryWith(answers: Record<string, DeliveryOutcome> = {}, extra: Partial<DeliveryDeps> = {}) {
    const onpipeline = scriptedOnpipeline({ answers });
    const recording = recordingLeadQueue();
    const retries: RetryOptions[] = [];
    const observed: DeliveryAttempt[] = [];
    const delivery = leadDelivery({
      sources,
      onpipeline: onpipeline.client,
      customFields: customFieldNames(onpipeline.client),
      queue: recording.queue,
      retryDelay: (options) => {
        retries.push(options);
        return 42;
      },
      observe: (attempt) => observed.push(attempt),
      ...extra,
    });
    return { delivery, onpipeline, recording, retries, observed };
  }

  /** How much each named counter grew while `act` ran. */
  async function counted(names: string[], act: () => Promise<unknown>): Promise<Record<string, number>> {
    const before = counterValues();
    await act();
    const after = counterValues();
    return Object.fromEntries(names.map((name) => [name, (after[name] ?? 0) - (before[name] ?? 0)]));
  }

  const failed = (promise: Promise<unknown>) =>
    promise.then(
      () => undefined,
      (error: unknown) => error,
    );

  /** A record with the receive count and first-receive time SQS omits in some local tools. */
  function bareRecord(body: string, messageAttributes?: SQSRecord['messageAttributes']): SQSRecord {
    const record = sqsRecordFactory(body);
    const {
      ApproximateReceiveCount: _count,
      ApproximateFirstReceiveTimestamp: _first,
      ...attributes
    } = record.attributes;
    return {
      ...record,
      attributes: attributes as SQSRecord['attributes'],
      messageAttributes: messageAttributes as SQSRecord['messageAttributes'],
    };
  }

  it('reports a lead sent without an idempotency store as not replayed, logging its Onpipeline id', async () => {
    // Prepare
    const { delivery, observed } = deliveryWith();
    const info = vi.spyOn(logger, 'info');
    const envelope = envelopeFactory();

    // Act
    const grew = await counted(['delivery_delivered', 'delivery_deduplicated'], () =>
      delivery.deliver(sqsRecordFactory(envelope)),
    );

    // Assess
    expect(observed.map((attempt) => attempt.outcome)).toEqual([
      { kind: 'delivered', status: 201, leadId: 'op-1', replayed: false },
    ]);
    expect(grew).toEqual({ delivery_delivered: 1, delivery_deduplicated: 0 });
    expect(info).toHaveBeenCalledWith(
      'lead delivered',
      expect.objectContaining({ leadId: envelope.id, sourceId: 'deliver-form', onpipelineLeadId: 'op-1' }),
    );
  });

  it('answers a key delivered before from the store alone, even once its source is gone', async () => {
    // Prepare: the same dedupe key comes back under a source that no longer exists
    const store = new SqlitePersistenceLayer(':memory:');
    const { delivery, onpipeline, recording } = deliveryWith({}, { idempotency: store });
    const info = vi.spyOn(logger, 'info');
    const first = envelopeFactory();
    await delivery.deliver(sqsRecordFactory(first));
    const again = { ...first, sourceId: 'removed-campaign' };

    // Act
    const grew = await counted(['delivery_deduplicated'], () => delivery.deliver(sqsRecordFactory(again)));
    store.close();

    // Assess
    expect(grew).toEqual({ delivery_deduplicated: 1 });
    expect(onpipeline.received).toHaveLength(1);
    expect(recording.calls).toEqual([]);
    expect(info).toHaveBeenCalledWith(
      'lead was already delivered: not sent again',
      expect.objectContaining({ leadId: first.id, onpipelineLeadId: 'op-1', outcome: 'delivered' }),
    );
  });

  it('maps an unrouted lead with the source its channel router finds ($source included)', async () => {
    // Prepare
    const { delivery, onpipeline, recording } = deliveryWith(
      {},
      { routers: { form: (_envelope, registry) => registry.get('deliver-routed') } },
    );
    const envelope = envelopeFactory({ sourceId: UNROUTED_SOURCE_ID });

    // Act
    await delivery.deliver(sqsRecordFactory(envelope));

    // Assess
    expect(onpipeline.received).toEqual([
      { FirstName: 'Ada', LastName: 'Lovelace', OrgName: 'deliver-routed' },
    ]);
    expect(recording.calls).toEqual([]);
  });

  it.each([
    ['no routers at all', {}],
    ['no router for its channel', { routers: {} }],
    ['a router that finds no source', { routers: { form: () => undefined } }],
  ] as const)('parks an unrouted lead as unrouted when there are %s', async (_case, extra) => {
    // Prepare
    const { delivery, onpipeline, recording } = deliveryWith({}, extra);
    const envelope = envelopeFactory({ sourceId: UNROUTED_SOURCE_ID });

    // Act
    await delivery.deliver(sqsRecordFactory(envelope));

    // Assess
    expect(onpipeline.received).toEqual([]);
    expect(recording.parked()).toEqual([
      expect.objectContaining({
        attributes: expect.objectContaining({
          reason: 'unrouted',
          source: UNROUTED_SOURCE_ID,
          message: 'no form source matches this lead',
        }),
      }),
    ]);
  });

  const fetchedLead = () =>
    envelopeFactory({
      sourceId: 'deliver-fetched',
      channel: 'meta',
      fields: {},
      context: { source: 'deliver-fetched' },
      dedupeKey: 'meta:1202123456789012345',
      fetch: { provider: 'meta', id: '1202123456789012345' },
    });

  it('maps the fields a lead fetcher returns, keeping the envelope context', async () => {
    // Prepare
    const fetched: string[] = [];
    const { delivery, onpipeline, observed } = deliveryWith(
      {},
      {
        resolvers: {
          meta: async (envelope) => {
            fetched.push(envelope.fetch?.id ?? '');
            return { ok: true, fields: { full_name: 'Grace Hopper' }, context: { 'meta.form_id': '55' } };
          },
        },
      },
    );

    // Act
    await delivery.deliver(sqsRecordFactory(fetchedLead()));

    // Assess
    expect(fetched).toEqual(['1202123456789012345']);
    expect(onpipeline.received).toEqual([
      { FirstName: 'Grace', LastName: 'Hopper', OrgName: 'deliver-fetched' },
    ]);
    expect(observed[0]?.outcome).toMatchObject({ kind: 'delivered' });
  });

  it('retries a fetch-by-id lead as configuration when deliver has no lead fetchers at all', async () => {
    // Prepare
    const { delivery, recording } = deliveryWith();
    const record = sqsRecordFactory(fetchedLead());

    // Act
    const failure = await failed(delivery.deliver(record));

    // Assess
    expect((failure as RetryLaterError).outcome).toEqual({
      kind: 'configuration',
      message: 'no meta lead fetcher is configured',
    });
    expect(recording.calls).toEqual([{ op: 'delay', receiptHandle: record.receiptHandle, seconds: 42 }]);
  });

  it('retries a lead whose fetch failed as a configuration problem of that vendor, counted and logged as such', async () => {
    // Prepare
    const { delivery, onpipeline, observed } = deliveryWith(
      {},
      {
        resolvers: {
          meta: async () => ({
            ok: false,
            outcome: { kind: 'configuration', status: 401, message: 'token expired' },
          }),
        },
      },
    );
    const error = vi.spyOn(logger, 'error');

    // Act
    let failure: unknown;
    const grew = await counted(['meta_fetch_configuration', 'onpipeline_configuration'], async () => {
      failure = await failed(delivery.deliver(sqsRecordFactory(fetchedLead())));
    });

    // Assess
    expect(failure).toBeInstanceOf(RetryLaterError);
    expect(onpipeline.received).toEqual([]);
    expect(observed[0]?.outcome).toEqual({
      kind: 'configuration',
      status: 401,
      message: 'token expired',
      fetchedFrom: 'meta',
    });
    expect(grew).toEqual({ meta_fetch_configuration: 1, onpipeline_configuration: 0 });
    expect(error).toHaveBeenCalledWith(
      'meta_fetch_configuration: check the meta token, permissions and URL',
      expect.objectContaining({ detail: 'token expired', outcome: 'configuration', status: 401 }),
    );
  });

  it('counts and logs an Onpipeline configuration answer as onpipeline_configuration, with no Retry-After', async () => {
    // Prepare
    const { delivery, retries } = deliveryWith({
      Lovelace: { kind: 'configuration', status: 403, message: 'IP not whitelisted' },
    });
    const error = vi.spyOn(logger, 'error');
    const warn = vi.spyOn(logger, 'warn');

    // Act
    const grew = await counted(
      ['onpipeline_configuration', 'delivery_configuration', 'delivery_ambiguous'],
      () => failed(delivery.deliver(sqsRecordFactory(envelopeFactory(), { receiveCount: 7 }))),
    );

    // Assess
    expect(grew).toEqual({ onpipeline_configuration: 1, delivery_configuration: 1, delivery_ambiguous: 0 });
    expect(retries).toEqual([{ receiveCount: 7, kind: 'configuration', retryAfterSeconds: undefined }]);
    expect(error).toHaveBeenCalledWith(
      'onpipeline_configuration: check the Onpipeline token, permissions and URL',
      expect.objectContaining({ detail: 'IP not whitelisted', attempt: 7 }),
    );
    expect(warn).not.toHaveBeenCalled();
  });

  it.each([
    [false, 0],
    [true, 1],
  ])(
    'passes a transient answer’s Retry-After to the backoff (ambiguous: %s), logging the retry',
    async (ambiguous, ambiguousCount) => {
      // Prepare
      const { delivery, retries } = deliveryWith({
        Lovelace: { kind: 'transient', status: 429, message: 'slow down', retryAfterSeconds: 5, ambiguous },
      });
      const warn = vi.spyOn(logger, 'warn');
      const error = vi.spyOn(logger, 'error');
      const envelope = envelopeFactory();

      // Act
      const grew = await counted(
        ['delivery_transient', 'delivery_ambiguous', 'onpipeline_configuration'],
        () => failed(delivery.deliver(sqsRecordFactory(envelope, { receiveCount: 3 }))),
      );

      // Assess
      expect(retries).toEqual([{ receiveCount: 3, kind: 'transient', retryAfterSeconds: 5 }]);
      expect(grew).toEqual({
        delivery_transient: 1,
        delivery_ambiguous: ambiguousCount,
        onpipeline_configuration: 0,
      });
      expect(warn).toHaveBeenCalledWith(
        'lead delivery failed; will retry',
        expect.objectContaining({
          leadId: envelope.id,
          status: 429,
          attempt: 3,
          detail: 'slow down',
          ambiguous,
          retryInSeconds: 42,
          durationMs: expect.any(Number),
        }),
      );
      const logged = warn.mock.calls[0]?.[1] as { durationMs?: number } | undefined;
      expect(logged?.durationMs).toBeGreaterThanOrEqual(0);
      expect(logged?.durationMs).toBeLessThan(60_000);
      expect(error).not.toHaveBeenCalled();
    },
  );

  it('counts and logs a 409 as a duplicate, done without parking or retrying', async () => {
    // Prepare
    const { delivery, recording } = deliveryWith({
      Lovelace: { kind: 'duplicate', status: 409, message: 'duplicate' },
    });
    const info = vi.spyOn(logger, 'info');

    // Act
    const grew = await counted(['delivery_duplicate'], () =>
      delivery.deliver(sqsRecordFactory(envelopeFactory())),
    );

    // Assess
    expect(grew).toEqual({ delivery_duplicate: 1 });
    expect(recording.calls).toEqual([]);
    expect(info).toHaveBeenCalledWith(
      'lead already in Onpipeline (409): treated as delivered',
      expect.objectContaining({ outcome: 'duplicate', status: 409 }),
    );
  });

  it('logs a parked lead with its reason and redacted detail, and counts it', async () => {
    // Prepare
    const { delivery } = deliveryWith({
      Lovelace: {
        kind: 'permanent',
        status: 400,
        reason: 'onpipeline_rejected',
        message: 'LastName Lovelace bad',
      },
    });
    const warn = vi.spyOn(logger, 'warn');

    // Act
    const grew = await counted(['delivery_permanent'], () =>
      delivery.deliver(sqsRecordFactory(envelopeFactory())),
    );

    // Assess
    expect(grew).toEqual({ delivery_permanent: 1 });
    expect(warn).toHaveBeenCalledWith(
      'lead dead-lettered',
      expect.objectContaining({ reason: 'onpipeline_rejected', detail: 'LastName [value] bad', status: 400 }),
    );
  });

  it('logs the queue’s error (shortened) when the retry delay cannot be set', async () => {
    // Prepare
    const queue = {
      ...recordingLeadQueue().queue,
      delay: async () => {
        throw new Error('x'.repeat(300));
      },
    };
    const { delivery } = deliveryWith(
      { Lovelace: { kind: 'transient', message: 'down', ambiguous: false } },
      { queue },
    );
    const warn = vi.spyOn(logger, 'warn');
    const envelope = envelopeFactory();

    // Act
    const failure = await failed(delivery.deliver(sqsRecordFactory(envelope)));

    // Assess
    expect(failure).toBeInstanceOf(RetryLaterError);
    expect(warn).toHaveBeenCalledWith('could not set the retry delay; SQS visibility timeout applies', {
      leadId: envelope.id,
      error: `Error: ${'x'.repeat(193)}`,
    });
  });

  it('joins several mapping errors with "; " and parks them with an empty status', async () => {
    // Prepare: neither a first nor a last name
    const { delivery, recording } = deliveryWith();

    // Act
    await delivery.deliver(sqsRecordFactory(envelopeFactory({ fields: { email: 'ada@example.com' } })));

    // Assess
    const attributes = recording.parked()[0]?.attributes ?? {};
    expect(attributes).toMatchObject({ reason: 'mapping_failed', status: '', configVersion: 'bundled' });
    expect(attributes.message?.split('; ').map((part) => part.split(':')[0])).toEqual([
      'FirstName',
      'LastName',
    ]);
  });

  it.each([
    ['a source message attribute', { source: { stringValue: 'site-x', dataType: 'String' } }, 'site-x'],
    ['empty message attributes', {}, ''],
    ['no message attributes', undefined, ''],
  ] as const)(
    'parks an invalid body from a bare record with %s',
    async (_case, messageAttributes, source) => {
      // Prepare
      const { delivery, recording, retries } = deliveryWith();

      // Act
      await delivery.deliver(bareRecord('not json', messageAttributes as SQSRecord['messageAttributes']));

      // Assess
      expect(retries).toEqual([]);
      expect(recording.parked()[0]?.attributes).toMatchObject({
        reason: 'invalid_envelope',
        status: '',
        source,
        attempts: '1',
        firstAttemptAt: '',
        configVersion: '',
      });
    },
  );

  it('counts a bare record as the first attempt for the backoff', async () => {
    // Prepare
    const { delivery, retries } = deliveryWith({
      Lovelace: { kind: 'transient', message: 'down', ambiguous: false },
    });

    // Act
    await failed(delivery.deliver(bareRecord(JSON.stringify(envelopeFactory()), {})));

    // Assess
    expect(retries).toEqual([{ receiveCount: 1, kind: 'transient', retryAfterSeconds: undefined }]);
  });

  describe('a source with custom fields by name (ListCustomFields)', () => {
    function listingFails(failure: Error) {
      const client: OnpipelineClient = {
        ...scriptedOnpipeline().client,
        async listCustomFields() {
          throw failure;
        },
      };
      return deliveryWith({}, { onpipeline: client, customFields: customFieldNames(client) });
    }

    it('retries with the outcome of a failed ListCustomFields call', async () => {
      // Prepare
      const outcome = { kind: 'transient', status: 503, message: 'down', ambiguous: false } as const;
      const { delivery, recording } = listingFails(new OnpipelineRequestError('ListCustomFields', outcome));

      // Act
      const failure = await failed(
        delivery.deliver(sqsRecordFactory(envelopeFactory({ sourceId: 'deliver-named' }))),
      );

      // Assess
      expect((failure as RetryLaterError).outcome).toEqual(outcome);
      expect(recording.delays()).toHaveLength(1);
    });

    it('lets any other error through to the batch (the lead is retried with SQS’s own timeout)', async () => {
      // Prepare
      const broken = new TypeError('broken');
      const { delivery, recording } = listingFails(broken);

      // Act
      const failure = await failed(
        delivery.deliver(sqsRecordFactory(envelopeFactory({ sourceId: 'deliver-named' }))),
      );

      // Assess
      expect(failure).toBe(broken);
      expect(recording.calls).toEqual([]);
    });
  });
});
