import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { leadResolvers } from '#shared/channels/common/fetchers.ts';
import { webhookRouters } from '#shared/channels/index.ts';
import { env, setting } from '#shared/config.ts';
import { type DeliveryDeps, leadDelivery } from '#shared/delivery/deliver.ts';
import { createOnpipelineClient, DEFAULT_ONPIPELINE_URL } from '#shared/onpipeline/client.ts';
import { customFieldNames } from '#shared/onpipeline/custom-fields.ts';
import { leadQueue, sqsClient } from '#shared/queue/client.ts';
import { secretsFromEnvironment } from '#shared/security/secrets.ts';
import { sourceRegistry } from '#shared/sources/registry.ts';
import { flushMetrics, logger } from '#shared/telemetry.ts';

/**
 * The deliver function: an SQS batch of lead envelopes in, partial batch response out. Each lead is
 * mapped with the current source config and sent to Onpipeline's Leadsin; leads that should be tried
 * again are reported in `batchItemFailures`, so SQS offers only those again.
 *
 * @example
 * const handler = createDeliverHandler(() => deps);
 */
export function createDeliverHandler(deps: () => DeliveryDeps) {
  let delivery: ReturnType<typeof leadDelivery> | undefined;
  const processor = new BatchProcessor(EventType.SQS);
  return middy<SQSEvent, SQSBatchResponse>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(flushMetrics())
    .handler(async (event, context) => {
      delivery ??= leadDelivery(deps());
      return processPartialResponse(event, delivery.deliver, processor, {
        context,
        throwOnFullBatchFailure: false,
      });
    });
}

/** Dependencies from the Lambda environment, built on first use. */
export function deliveryDepsFromEnvironment(): DeliveryDeps {
  const secrets = secretsFromEnvironment('api');
  const onpipeline = createOnpipelineClient({
    baseUrl: setting(env.onpipelineUrl, DEFAULT_ONPIPELINE_URL),
    token: () => secrets.require('ONPIPELINE_TOKEN'),
    timeoutMs: Number(setting(env.onpipelineTimeoutMs, '10000')),
  });
  const table = setting(env.idempotencyTable);
  return {
    sources: sourceRegistry(setting(env.sourcesDir, 'sources')),
    ...(table ? { idempotency: new DynamoDBPersistenceLayer({ tableName: table }) } : {}),
    onpipeline,
    customFields: customFieldNames(onpipeline),
    routers: webhookRouters,
    resolvers: leadResolvers(secrets),
    queue: leadQueue({
      sqs: sqsClient(),
      leadsUrl: setting(env.leadsQueueUrl, ''),
      deadLetterUrl: setting(env.deadLetterQueueUrl, ''),
    }),
  };
}

let environmentDeps: DeliveryDeps | undefined;
export const handler = createDeliverHandler(() => {
  environmentDeps ??= deliveryDepsFromEnvironment();
  return environmentDeps;
});
