import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { captureDeps } from '#functions/deps.ts';
import { attributionScriptResult } from '#shared/attribution/script.ts';
import type { ChannelDeps } from '#shared/channels/channel.ts';
import { type CaptureRoute, captureRoutes } from '#shared/channels/index.ts';
import { HttpError } from '#shared/http/errors.ts';
import { httpErrors, requestLog } from '#shared/http/middleware.ts';
import { readRequest } from '#shared/http/request.ts';
import { type HttpResult, json } from '#shared/http/response.ts';
import type { RouteKey } from '#shared/http/routes.ts';
import { refreshSources } from '#shared/sources/appconfig.ts';
import { flushMetrics, logger } from '#shared/telemetry.ts';

export type CaptureDeps = ChannelDeps;

/**
 * The capture function: every `/v1` route of the HTTP contract, from the channel registry's route
 * table. Authenticate, parse, normalise, enqueue; the sender hears 2xx only once SQS holds the lead.
 * Rejections are thrown as `HttpError` and rendered by `httpErrors()` as the route declares.
 *
 * @example
 * const handler = createCaptureHandler(() => ({ sources, queue }));
 */
export function createCaptureHandler(deps: () => CaptureDeps) {
  let table: Record<RouteKey, CaptureRoute> | undefined;
  const routeTable = () => {
    table ??= captureRoutes(deps(), {
      'GET /health': { handler: () => json(200, { status: 'ok' }) },
      // the attribution script for landing pages (docs/sources.md, "Attribution on every page")
      'GET /leadgate.js': { handler: attributionScriptResult },
    });
    return table;
  };
  const route = async (event: APIGatewayProxyEventV2): Promise<HttpResult> => {
    // AppConfig: the published sources, polled when due (docs/operations.md, "Publishing sources")
    await refreshSources(deps().sources);
    const request = readRequest(event);
    const row = routeOf(routeTable(), event.routeKey);
    if (!row) throw new HttpError(404, 'not_found', `No route for ${request.method} ${request.path}.`);
    return row.handler(request);
  };
  return middy<APIGatewayProxyEventV2, HttpResult>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(flushMetrics())
    .use(requestLog())
    .use(httpErrors((routeKey) => (table ? routeOf(table, routeKey)?.errors : undefined)))
    .handler(route);
}

/** The table's row for a route key; `undefined` for any other string (`__proto__` included). */
function routeOf(table: Record<RouteKey, CaptureRoute>, routeKey: string): CaptureRoute | undefined {
  return Object.hasOwn(table, routeKey) ? table[routeKey as RouteKey] : undefined;
}

/** Dependencies from the Lambda environment (queue URLs, bundled sources), built on first use. */
export function captureDepsFromEnvironment(): CaptureDeps {
  return captureDeps();
}

let environmentDeps: CaptureDeps | undefined;
export const handler = createCaptureHandler(() => {
  environmentDeps ??= captureDepsFromEnvironment();
  return environmentDeps;
});
