import { afterAll, describe, expect, it } from 'vitest';
import { createDeliverHandler } from '#functions/deliver.ts';
import { lambdaContext } from '#local/poller.ts';
import { type DeliveryDeps, leadDelivery, RetryLaterError } from '#shared/delivery/deliver.ts';
import { SqlitePersistenceLayer } from '#shared/idempotency/sqlite-persistence.ts';
import type { OnpipelineClient } from '#shared/onpipeline/client.ts';
import { customFieldNames } from '#shared/onpipeline/custom-fields.ts';
import type { DeliveryOutcome } from '#shared/onpipeline/outcome.ts';
import type { LeadsinBody } from '#shared/onpipeline/schema.ts';
import { dlqAttributeNames } from '#shared/queue/definition.ts';
import { sourcesFrom } from '#test/support/channels.ts';
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

/** Onpipeline answering each lead by its LastName (`answers`), 201 otherwise; it records what it got. */
function scriptedOnpipeline(answers: Record<string, DeliveryOutcome> = {}) {
  const received: LeadsinBody[] = [];
  const client: OnpipelineClient = {
    async sendLead(body) {
      received.push(body);
      return answers[body.LastName] ?? { kind: 'delivered', status: 201, leadId: `op-${received.length}` };
    },
    async listCustomFields() {
      return [];
    },
    async addCustomField() {
      throw new Error('deliver never creates custom fields');
    },
  };
  return { client, received };
}

describe('leadDelivery: what the deliver worker does with each kind of lead', () => {
  const { sources, cleanup } = sourcesFrom(sourceFiles);
  afterAll(cleanup);

  /** Delivery deps over the temp sources, a scripted Onpipeline and a recording queue. */
  function deliveryFor(answers: Record<string, DeliveryOutcome> = {}, extra: Partial<DeliveryDeps> = {}) {
    const onpipeline = scriptedOnpipeline(answers);
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
      Busy: { kind: 'transient', status: 429, message: 'slow down', retryAfterSeconds: 5, ambiguous: false },
      Refused: { kind: 'permanent', status: 400, reason: 'onpipeline_rejected', message: 'bad' },
      Locked: { kind: 'configuration', status: 403, message: 'IP not whitelisted' },
      Known: { kind: 'duplicate', status: 409, message: 'duplicate' },
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
