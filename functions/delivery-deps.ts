import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { leadResolvers } from '#shared/channels/common/fetchers.ts';
import { webhookRouters } from '#shared/channels/index.ts';
import { env, setting } from '#shared/config.ts';
import type { DeliveryDeps } from '#shared/delivery/deliver.ts';
import { createOnpipelineClient, DEFAULT_ONPIPELINE_URL } from '#shared/onpipeline/client.ts';
import { customFieldNames } from '#shared/onpipeline/custom-fields.ts';
import { leadQueue, sqsClient } from '#shared/queue/client.ts';
import { type SecretStore, secretsFromEnvironment } from '#shared/security/secrets.ts';
import { sourcesFromEnvironment } from '#shared/sources/appconfig.ts';

/** Deliver's dependency builder (capture's is `#functions/deps.ts`, which explains both). */

/** What the one-machine runtime (or a test) brings to deliver instead of the environment's parts. */
export interface DeliveryOverrides extends Partial<DeliveryDeps> {
  /** The API tokens (Onpipeline, Meta page tokens, LinkedIn). */
  secrets?: SecretStore;
  /** Base URLs of the vendors' APIs for the lead fetchers (the local fakes). */
  fetchUrls?: { graphUrl?: string | undefined; linkedinUrl?: string | undefined };
}

/**
 * Deliver's dependencies: sources, Onpipeline client and custom-field names, idempotency store
 * (DynamoDB when `IDEMPOTENCY_TABLE` is set), the registry's routers and fetchers, the queue.
 *
 * @example
 * const deliver = createDeliverHandler(() => deliveryDeps({ sources, queue, onpipeline, idempotency }));
 */
export function deliveryDeps(overrides: DeliveryOverrides = {}): DeliveryDeps {
  const secrets = overrides.secrets ?? secretsFromEnvironment('api');
  const onpipeline =
    overrides.onpipeline ??
    createOnpipelineClient({
      baseUrl: setting(env.onpipelineUrl, DEFAULT_ONPIPELINE_URL),
      token: () => secrets.require('ONPIPELINE_TOKEN'),
      timeoutMs: Number(setting(env.onpipelineTimeoutMs, '10000')),
    });
  const table = setting(env.idempotencyTable);
  const idempotency =
    overrides.idempotency ?? (table ? new DynamoDBPersistenceLayer({ tableName: table }) : undefined);
  return {
    sources: overrides.sources ?? sourcesFromEnvironment(),
    ...(idempotency ? { idempotency } : {}),
    onpipeline,
    customFields: overrides.customFields ?? customFieldNames(onpipeline),
    routers: overrides.routers ?? webhookRouters,
    resolvers: overrides.resolvers ?? leadResolvers(secrets, overrides.fetchUrls),
    queue:
      overrides.queue ??
      leadQueue({
        sqs: sqsClient(),
        leadsUrl: setting(env.leadsQueueUrl, ''),
        deadLetterUrl: setting(env.deadLetterQueueUrl, ''),
      }),
    ...(overrides.observe ? { observe: overrides.observe } : {}),
    ...(overrides.retryDelay ? { retryDelay: overrides.retryDelay } : {}),
  };
}
