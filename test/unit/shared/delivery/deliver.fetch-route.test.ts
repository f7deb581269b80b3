import { afterAll, describe, expect, it } from 'vitest';
import type { LeadResolver } from '#shared/channels/channel.ts';
import { UNROUTED_SOURCE_ID } from '#shared/channels/channel.ts';
import { webhookRouters } from '#shared/channels/index.ts';
import { type DeliveryDeps, leadDelivery, RetryLaterError } from '#shared/delivery/deliver.ts';
import { OnpipelineRequestError } from '#shared/onpipeline/client.ts';
import { customFieldNames } from '#shared/onpipeline/custom-fields.ts';
import { sourcesFrom } from '#test/support/channels.ts';
import { scriptedOnpipeline } from '#test/support/onpipeline.ts';
import { envelopeFactory, recordingLeadQueue, sqsRecordFactory } from '#test/support/queue.ts';

/**
 * The deliver worker with what comes before the mapping: leads fetched by id (Meta, LinkedIn), leads
 * captured unrouted and routed again with the current config, and `name:` custom fields resolved
 * through Onpipeline. The plain outcomes are in deliver.test.ts.
 */

const pageId = '104345678901234';
const metaLead = (name: string) => `channel: meta
meta: { pageId: "${pageId}", pageToken: ${name.toUpperCase().replace(/-/g, '_')}_TOKEN }
lead:
  FirstName: { from: full_name, part: first }
  LastName: { from: full_name, part: last }
`;

const sourceFiles = {
  'meta-spring': metaLead('meta-spring'),
  // more sources of the same page: routing must pick one, the same one every time
  'meta-autumn': metaLead('meta-autumn'),
  'meta-summer': metaLead('meta-summer'),
  'named-fields': `channel: form
form: { allowedOrigins: ["*"] }
lead:
  FirstName: first_name
  LastName: last_name
  Extra:
    - { name: Lead source, value: Website }
`,
};

const metaEnvelope = (overrides: Parameters<typeof envelopeFactory>[0] = {}) =>
  envelopeFactory({
    sourceId: 'meta-spring',
    channel: 'meta',
    fields: {},
    context: { 'meta.page_id': pageId },
    dedupeKey: 'meta:1202123456789012345',
    fetch: { provider: 'meta', id: '1202123456789012345' },
    ...overrides,
  });

describe('leadDelivery: leads fetched by id, routed again, with named custom fields', () => {
  const { sources, cleanup } = sourcesFrom(sourceFiles);
  afterAll(cleanup);

  function deliveryFor(
    extra: Partial<DeliveryDeps> = {},
    fields = [{ Name: 'Lead source', ID: '1411084437' }],
  ) {
    const onpipeline = scriptedOnpipeline({ listCustomFields: async () => fields });
    const recording = recordingLeadQueue();
    const delivery = leadDelivery({
      sources,
      onpipeline: onpipeline.client,
      customFields: customFieldNames(onpipeline.client),
      queue: recording.queue,
      retryDelay: ({ kind }) => (kind === 'configuration' ? 900 : 30),
      ...extra,
    });
    return { delivery, onpipeline, recording };
  }

  it('maps the fields the vendor answered for a lead captured as an id, with its context', async () => {
    // Prepare
    const asked: string[] = [];
    const resolver: LeadResolver = async (envelope, source) => {
      asked.push(`${source.id}:${envelope.fetch?.id}`);
      return { ok: true, fields: { full_name: 'Ana Ruiz' }, context: { 'meta.form_id': '55' } };
    };
    const { delivery, onpipeline, recording } = deliveryFor({ resolvers: { meta: resolver } });

    // Act
    await delivery.deliver(sqsRecordFactory(metaEnvelope()));

    // Assess
    expect(asked).toEqual(['meta-spring:1202123456789012345']);
    expect(onpipeline.received).toEqual([{ FirstName: 'Ana', LastName: 'Ruiz' }]);
    expect(recording.calls).toEqual([]);
  });

  it('parks a lead the vendor no longer has, saying so', async () => {
    // Prepare
    const { delivery, onpipeline, recording } = deliveryFor({
      resolvers: {
        meta: async () => ({
          ok: false,
          outcome: {
            kind: 'permanent',
            status: 404,
            reason: 'lead_not_found',
            message: 'Graph error 100/33',
          },
        }),
      },
    });

    // Act
    await delivery.deliver(sqsRecordFactory(metaEnvelope()));

    // Assess
    expect(onpipeline.received).toEqual([]);
    expect(recording.parked()).toEqual([
      expect.objectContaining({
        attributes: expect.objectContaining({
          reason: 'lead_not_found',
          status: '404',
          source: 'meta-spring',
        }),
      }),
    ]);
  });

  it.each([
    ['configuration', { kind: 'configuration', status: 401, message: 'Graph error 190' }, 900],
    ['transient and ambiguous', { kind: 'transient', message: 'connection reset', ambiguous: true }, 30],
  ] as const)(
    'retries a lead whose fetch failed as %s, naming the vendor',
    async (_case, outcome, seconds) => {
      // Prepare
      const { delivery, onpipeline, recording } = deliveryFor({
        resolvers: { meta: async () => ({ ok: false, outcome }) },
      });
      const record = sqsRecordFactory(metaEnvelope());

      // Act
      const failure = await delivery.deliver(record).catch((error: unknown) => error);

      // Assess
      expect(failure).toBeInstanceOf(RetryLaterError);
      expect((failure as RetryLaterError).outcome).toEqual({ ...outcome, fetchedFrom: 'meta' });
      expect((failure as RetryLaterError).message).toBe(`retry later: ${outcome.kind}: ${outcome.message}`);
      expect(onpipeline.received).toEqual([]);
      expect(recording.calls).toEqual([{ op: 'delay', receiptHandle: record.receiptHandle, seconds }]);
    },
  );

  it('routes an unrouted lead with the current sources: the first by id of the page, every time', async () => {
    // Prepare
    const resolved: string[] = [];
    const { delivery, onpipeline } = deliveryFor({
      routers: webhookRouters,
      resolvers: {
        meta: async (_envelope, source) => {
          resolved.push(source.id);
          return { ok: true, fields: { full_name: 'Ana Ruiz' }, context: {} };
        },
      },
    });

    // Act
    await delivery.deliver(sqsRecordFactory(metaEnvelope({ sourceId: UNROUTED_SOURCE_ID })));
    await delivery.deliver(sqsRecordFactory(metaEnvelope({ sourceId: UNROUTED_SOURCE_ID })));

    // Assess
    expect(resolved).toEqual(['meta-autumn', 'meta-autumn']);
    expect(onpipeline.received).toHaveLength(2);
  });

  it.each([
    ['no source of its page is configured', webhookRouters, { 'meta.page_id': '999' }],
    ['no router is configured', undefined, { 'meta.page_id': pageId }],
  ])('parks an unrouted lead as unrouted when %s', async (_case, routers, context) => {
    // Prepare
    const { delivery, onpipeline, recording } = deliveryFor(routers ? { routers } : {});

    // Act
    await delivery.deliver(sqsRecordFactory(metaEnvelope({ sourceId: UNROUTED_SOURCE_ID, context })));

    // Assess
    expect(onpipeline.received).toEqual([]);
    expect(recording.parked()).toEqual([
      expect.objectContaining({
        attributes: expect.objectContaining({
          reason: 'unrouted',
          source: UNROUTED_SOURCE_ID,
          message: 'no meta source matches this lead',
        }),
      }),
    ]);
  });

  it('resolves a named custom field through Onpipeline once, and reuses the list for the next lead', async () => {
    // Prepare
    const { delivery, onpipeline } = deliveryFor();
    const lead = () => sqsRecordFactory(envelopeFactory({ sourceId: 'named-fields' }));

    // Act
    await delivery.deliver(lead());
    await delivery.deliver(lead());

    // Assess
    expect(onpipeline.received).toEqual([
      { FirstName: 'Ada', LastName: 'Lovelace', Extra: [{ ID: '1411084437', Value: 'Website' }] },
      { FirstName: 'Ada', LastName: 'Lovelace', Extra: [{ ID: '1411084437', Value: 'Website' }] },
    ]);
    expect(onpipeline.lists()).toBe(3); // Persons, Organizations, Deals: once
  });

  it('retries a lead when Onpipeline cannot list the custom fields its mapping names', async () => {
    // Prepare
    const outcome = {
      kind: 'transient',
      status: 503,
      message: 'Service Unavailable',
      ambiguous: false,
    } as const;
    const onpipeline = scriptedOnpipeline({
      listCustomFields: async () => {
        throw new OnpipelineRequestError('ListCustomFields', outcome);
      },
    });
    const recording = recordingLeadQueue();
    const delivery = leadDelivery({
      sources,
      onpipeline: onpipeline.client,
      customFields: customFieldNames(onpipeline.client),
      queue: recording.queue,
      retryDelay: () => 30,
    });
    const record = sqsRecordFactory(envelopeFactory({ sourceId: 'named-fields' }));

    // Act
    const failure = await delivery.deliver(record).catch((error: unknown) => error);

    // Assess
    expect(failure).toBeInstanceOf(RetryLaterError);
    expect((failure as RetryLaterError).outcome).toEqual(outcome);
    expect(onpipeline.received).toEqual([]);
    expect(recording.delays()).toEqual([{ op: 'delay', receiptHandle: record.receiptHandle, seconds: 30 }]);
  });

  it('lets an unexpected error of the custom-field lookup fail the record', async () => {
    // Prepare
    const onpipeline = scriptedOnpipeline({
      listCustomFields: async () => {
        throw new TypeError('bug');
      },
    });
    const delivery = leadDelivery({
      sources,
      onpipeline: onpipeline.client,
      customFields: customFieldNames(onpipeline.client),
      queue: recordingLeadQueue().queue,
    });

    // Act
    const delivered = delivery.deliver(sqsRecordFactory(envelopeFactory({ sourceId: 'named-fields' })));

    // Assess
    await expect(delivered).rejects.toThrow('bug');
    expect(onpipeline.received).toEqual([]);
  });

  it('parks a record SQS gave without receive counts as attempt 1, with no first-attempt time', async () => {
    // Prepare
    const { delivery, recording } = deliveryFor();
    const record = sqsRecordFactory(envelopeFactory({ sourceId: 'removed-campaign' }));
    const {
      ApproximateReceiveCount: _count,
      ApproximateFirstReceiveTimestamp: _first,
      ...attributes
    } = record.attributes;

    // Act
    await delivery.deliver({ ...record, attributes: attributes as typeof record.attributes });

    // Assess
    expect(recording.parked()).toEqual([
      expect.objectContaining({
        attributes: expect.objectContaining({ reason: 'unknown_source', attempts: '1', firstAttemptAt: '' }),
      }),
    ]);
  });
});
