import type { SQSEvent } from 'aws-lambda';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { lambdaContext } from '#local/poller.ts';
import { refreshSources } from '#shared/sources/appconfig.ts';

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
