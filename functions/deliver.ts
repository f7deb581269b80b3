import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { deliveryDeps } from '#functions/delivery-deps.ts';
import { type DeliveryDeps, leadDelivery } from '#shared/delivery/deliver.ts';
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
  return deliveryDeps();
}

let environmentDeps: DeliveryDeps | undefined;
export const handler = createDeliverHandler(() => {
  environmentDeps ??= deliveryDepsFromEnvironment();
  return environmentDeps;
});
