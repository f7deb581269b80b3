import type { SQSEvent } from 'aws-lambda';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { createDeliverHandler } from '#functions/deliver.ts';
import { lambdaContext } from '#local/poller.ts';
import type { DeliveryDeps } from '#shared/delivery/deliver.ts';
import type { OnpipelineClient } from '#shared/onpipeline/client.ts';
import { customFieldNames } from '#shared/onpipeline/custom-fields.ts';
import type { DeliveryOutcome } from '#shared/onpipeline/outcome.ts';
import { refreshSources } from '#shared/sources/appconfig.ts';
import { logger } from '#shared/telemetry.ts';
import { sourcesFrom } from '#test/support/channels.ts';
import { envelopeFactory, recordingLeadQueue, sqsRecordFactory } from '#test/support/queue.ts';

/** `deliver.ts` loaded afresh: its `handler` builds its dependencies from the environment once. */
async function deliverModule() {
  vi.resetModules();
  return import('#functions/deliver.ts');
}

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('the deliver function’s dependencies from the Lambda environment', () => {
  it('uses the DynamoDB idempotency table named by IDEMPOTENCY_TABLE', async () => {
    // Prepare
    vi.stubEnv('IDEMPOTENCY_TABLE', 'leadgate-idempotency');
    vi.stubEnv('SOURCES_DIR', 'sources');
    const { deliveryDepsFromEnvironment } = await deliverModule();

    // Act
    const deps = deliveryDepsFromEnvironment();
    // a folder of YAML files (not the stack's sources.json) is read on the first refresh
    await refreshSources(deps.sources);

    // Assess
    expect(deps.idempotency?.constructor.name).toBe('DynamoDBPersistenceLayer');
    expect(deps.sources.get('demo-contact')).toBeDefined();
    expect(Object.keys(deps).sort()).toEqual(
      ['customFields', 'idempotency', 'onpipeline', 'queue', 'resolvers', 'routers', 'sources'].sort(),
    );
  });

  it('has no idempotency layer when IDEMPOTENCY_TABLE is not set (one machine brings its own)', async () => {
    // Prepare
    vi.stubEnv('IDEMPOTENCY_TABLE', '');
    const { deliveryDepsFromEnvironment } = await deliverModule();

    // Act
    const deps = deliveryDepsFromEnvironment();

    // Assess
    expect(deps).not.toHaveProperty('idempotency');
  });
});

describe('the deliver function as deployed (handler)', () => {
  it('answers an empty batch with no item failures, building its dependencies once', async () => {
    // Prepare
    vi.stubEnv('IDEMPOTENCY_TABLE', '');
    const { handler } = await deliverModule();
    const empty: SQSEvent = { Records: [] };

    // Act
    const first = await handler(empty, lambdaContext());
    const second = await handler(empty, lambdaContext());

    // Assess
    expect(first).toEqual({ batchItemFailures: [] });
    expect(second).toEqual({ batchItemFailures: [] });
  });
});

describe('the deliver function (createDeliverHandler)', () => {
  const { sources, cleanup } = sourcesFrom({
    'deliver-form': `channel: form
form: { allowedOrigins: ["*"] }
lead:
  FirstName: first_name
  LastName: last_name
`,
  });
  afterAll(cleanup);
  afterEach(() => {
    vi.restoreAllMocks();
  });

  /** A handler over an Onpipeline that answers every lead with `outcome`. */
  function handlerAnswering(outcome: DeliveryOutcome, observe?: DeliveryDeps['observe']) {
    const onpipeline: OnpipelineClient = {
      sendLead: async () => outcome,
      listCustomFields: async () => [],
      addCustomField: async () => {
        throw new Error('deliver never creates custom fields');
      },
    };
    return createDeliverHandler(() => ({
      sources,
      onpipeline,
      customFields: customFieldNames(onpipeline),
      queue: recordingLeadQueue().queue,
      retryDelay: () => 1,
      ...(observe ? { observe } : {}),
    }));
  }

  it('reports a batch whose every lead must be retried as item failures, without throwing', async () => {
    // Prepare
    const handler = handlerAnswering({ kind: 'transient', status: 503, message: 'down', ambiguous: false });
    const records = [sqsRecordFactory(envelopeFactory()), sqsRecordFactory(envelopeFactory())];

    // Act
    const response = await handler({ Records: records }, lambdaContext());

    // Assess
    expect(response.batchItemFailures).toEqual(
      records.map((record) => ({ itemIdentifier: record.messageId })),
    );
  });

  it('leaves no log key added during one invocation on the next log lines', async () => {
    // Prepare: the observer adds a key while the invocation runs
    const handler = handlerAnswering({ kind: 'delivered', status: 201, leadId: '1' }, () =>
      logger.appendKeys({ probe: 'added-during-the-invocation' }),
    );
    await handler({ Records: [sqsRecordFactory(envelopeFactory())] }, lambdaContext());
    const written: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    });

    // Act
    logger.warn('a line after the invocation');

    // Assess
    expect(written.join('')).toContain('a line after the invocation');
    expect(written.join('')).not.toContain('added-during-the-invocation');
  });
});
