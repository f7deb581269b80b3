import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { attributionScriptResult } from '#shared/attribution/script.ts';
import type { ChannelDeps } from '#shared/channels/channel.ts';
import { formChannel } from '#shared/channels/form/channel.ts';
import { googleAdsChannel } from '#shared/channels/google-ads/channel.ts';
import { linkedinChannel } from '#shared/channels/linkedin/channel.ts';
import { metaChannel } from '#shared/channels/meta/channel.ts';
import { partnerChannel } from '#shared/channels/partner/channel.ts';
import { tiktokChannel } from '#shared/channels/tiktok/channel.ts';
import { env, setting } from '#shared/config.ts';
import { HttpError } from '#shared/http/errors.ts';
import { httpErrors, requestLog } from '#shared/http/middleware.ts';
import { readRequest } from '#shared/http/request.ts';
import { type HttpResult, json } from '#shared/http/response.ts';
import { leadQueue, sqsClient } from '#shared/queue/client.ts';
import { secretsFromEnvironment } from '#shared/security/secrets.ts';
import { sourceRegistry } from '#shared/sources/registry.ts';
import { flushMetrics, logger } from '#shared/telemetry.ts';

export type CaptureDeps = ChannelDeps;

/**
 * The capture function: every `/v1` route of the HTTP contract. Authenticate, parse, normalise,
 * enqueue; the sender hears 2xx only once SQS holds the lead.
 *
 * @example
 * const handler = createCaptureHandler(() => ({ sources, queue }));
 */
export function createCaptureHandler(deps: () => CaptureDeps) {
  let channels: ReturnType<typeof captureChannels> | undefined;
  const route = async (event: APIGatewayProxyEventV2): Promise<HttpResult> => {
    channels ??= captureChannels(deps());
    const request = readRequest(event);
    switch (event.routeKey) {
      case 'GET /health':
        return json(200, { status: 'ok' });
      case 'GET /leadgate.js':
        return attributionScriptResult(request);
      case 'OPTIONS /v1/forms/{sourceId}':
        return channels.forms.preflight(request);
      case 'POST /v1/forms/{sourceId}':
        return channels.forms.capture(request);
      case 'POST /v1/partners/{sourceId}/leads':
        return channels.partners.capture(request);
      case 'POST /v1/webhooks/google-ads/{sourceId}':
        return channels.googleAds.capture(request);
      case 'GET /v1/webhooks/meta':
        return channels.meta.verify(request);
      case 'POST /v1/webhooks/meta':
        return channels.meta.capture(request);
      case 'GET /v1/webhooks/linkedin':
        return channels.linkedin.verify(request);
      case 'POST /v1/webhooks/linkedin':
        return channels.linkedin.capture(request);
      case 'POST /v1/webhooks/tiktok':
        return channels.tiktok.capture(request);
      default:
        throw new HttpError(404, 'not_found', `No route for ${request.method} ${request.path}.`);
    }
  };
  return middy<APIGatewayProxyEventV2, HttpResult>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(flushMetrics())
    .use(requestLog())
    .use(httpErrors())
    .handler(route);
}

function captureChannels(deps: CaptureDeps) {
  return {
    forms: formChannel(deps),
    partners: partnerChannel(deps),
    googleAds: googleAdsChannel(deps),
    tiktok: tiktokChannel(deps),
    meta: metaChannel(deps),
    linkedin: linkedinChannel(deps),
  };
}

/** Dependencies from the Lambda environment (queue URLs, bundled sources), built on first use. */
export function captureDepsFromEnvironment(): CaptureDeps {
  return {
    sources: sourceRegistry(setting(env.sourcesDir, 'sources')),
    queue: leadQueue({
      sqs: sqsClient(),
      leadsUrl: requiredSetting(env.leadsQueueUrl),
      deadLetterUrl: setting(env.deadLetterQueueUrl, ''),
    }),
    secrets: secretsFromEnvironment('gateway'),
  };
}

function requiredSetting(name: string): string {
  const value = setting(name);
  if (!value) throw new Error(`environment variable ${name} is not set`);
  return value;
}

let environmentDeps: CaptureDeps | undefined;
export const handler = createCaptureHandler(() => {
  environmentDeps ??= captureDepsFromEnvironment();
  return environmentDeps;
});
