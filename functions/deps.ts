import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import type { ChannelDeps } from '#shared/channels/channel.ts';
import { leadResolvers } from '#shared/channels/common/fetchers.ts';
import { captchaVerifyUrls } from '#shared/channels/form/captcha.ts';
import { webhookRouters } from '#shared/channels/index.ts';
import { env, setting } from '#shared/config.ts';
import type { DeliveryDeps } from '#shared/delivery/deliver.ts';
import { createOnpipelineClient, DEFAULT_ONPIPELINE_URL } from '#shared/onpipeline/client.ts';
import { customFieldNames } from '#shared/onpipeline/custom-fields.ts';
import { leadQueue, sqsClient } from '#shared/queue/client.ts';
import { type SecretStore, secretsFromEnvironment } from '#shared/security/secrets.ts';
import { sourcesFromEnvironment } from '#shared/sources/appconfig.ts';

/**
 * The one dependency builder of both functions. On AWS (`captureDepsFromEnvironment`,
 * `deliveryDepsFromEnvironment`) every part comes from the environment; the one-machine runtime
 * (`local/runtime.ts`) passes its own parts (embedded queue, live sources, local secret stores,
 * sandbox client, fakes' URLs) and only the rest is read from the environment.
 */

/**
 * Capture's dependencies: sources, the leads queue and the gateway's secrets.
 *
 * @example
 * const capture = createCaptureHandler(() => captureDeps({ sources, queue, secrets }));
 */
export function captureDeps(overrides: Partial<ChannelDeps> = {}): ChannelDeps {
  return {
    sources: overrides.sources ?? sourcesFromEnvironment(),
    queue:
      overrides.queue ??
      leadQueue({
        sqs: sqsClient(),
        leadsUrl: requiredSetting(env.leadsQueueUrl),
        deadLetterUrl: setting(env.deadLetterQueueUrl, ''),
      }),
    secrets: overrides.secrets ?? secretsFromEnvironment('gateway'),
    // TURNSTILE_/HCAPTCHA_/RECAPTCHA_VERIFY_URL: a bad one stops the function here, at start
    captcha: overrides.captcha ?? { urls: captchaVerifyUrls(process.env) },
    ...(overrides.now ? { now: overrides.now } : {}),
  };
}

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

function requiredSetting(name: string): string {
  const value = setting(name);
  if (!value) throw new Error(`environment variable ${name} is not set`);
  return value;
}
