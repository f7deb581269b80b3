import type { MiddlewareObj, Request } from '@middy/core';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { type ErrorAnswer, HttpError } from '#shared/http/errors.ts';
import {
  errorResult,
  type HttpResult,
  json,
  logFields,
  seeOther,
  withLogFields,
} from '#shared/http/response.ts';
import { logger } from '#shared/telemetry.ts';

/**
 * The one place errors become answers. An `HttpError` keeps its status and code and is rendered as the
 * route declares (`answerFor(routeKey)`: body style, `channel` log field, rejection counter): the
 * contract's `{"error":{...}}`, Google's `{"message"}`, or a 303 when the error carries a `redirect`.
 * Anything else is logged (name and message only, no request data) and answered as a plain 500 with
 * no details. Use it right after the logger middleware so its log line carries the request id.
 *
 * @example
 * middy(handler).use(injectLambdaContext(logger)).use(httpErrors((routeKey) => table[routeKey]?.errors));
 */
export function httpErrors(
  answerFor: (routeKey: string) => ErrorAnswer | undefined = () => undefined,
): MiddlewareObj<{ routeKey?: string }, HttpResult> {
  return {
    onError: async function answerError(request) {
      const error = request.error;
      if (error instanceof HttpError) {
        request.response = renderHttpError(error, answerFor(request.event?.routeKey ?? '') ?? {});
        return;
      }
      logger.error('unhandled error', { error: error ? `${error.name}: ${error.message}` : 'unknown' });
      request.response = errorResult(
        new HttpError(500, 'internal_error', 'Something went wrong on our side.'),
      );
    },
  };
}

/**
 * Renders one rejection as its route declares (what `httpErrors()` does with an `HttpError`); counts it
 * through `answer.counted`. Exported for tests that call a channel's handlers without the middy chain.
 *
 * @example
 * renderHttpError(new HttpError(403, 'invalid_google_key', 'No.'), { style: 'message' }); // 403 {"message":"No."}
 */
export function renderHttpError(error: HttpError, answer: ErrorAnswer): HttpResult {
  answer.counted?.(error);
  const channel = answer.logChannel ? { channel: answer.logChannel } : {};
  if (error.redirect !== undefined) {
    // the sender is redirected to the failure page: the line says why (`outcome`, the 4xx code)
    return withLogFields(seeOther(error.redirect, error.headers), {
      outcome: 'rejected',
      code: error.code,
      ...channel,
    });
  }
  if (answer.style === 'message') {
    return withLogFields(json(error.status, { message: error.message }, error.headers), {
      ...channel,
      code: error.code,
    });
  }
  return withLogFields(errorResult(error), channel);
}

/**
 * One structured log line per request: route, source, outcome, status, duration, and the fields the
 * channel attached to its answer (`withLogFields`: lead id, error code, counts), written by
 * `logger.requestLine` (Powertools' `info` line, lighter: docs/operations.md, "Logs"). Register it
 * before `httpErrors()` so it sees the rendered error answer.
 *
 * @example
 * middy(handler).use(requestLog()).use(httpErrors());
 */
export function requestLog(): MiddlewareObj<APIGatewayProxyEventV2, HttpResult> {
  const started = new WeakMap<object, number>();
  const write = async (request: Request<APIGatewayProxyEventV2, HttpResult>) => {
    const status = request.response?.statusCode ?? 500;
    const fields = request.response?.[logFields];
    const start = started.get(request);
    const durationMs = start === undefined ? 0 : Math.round((performance.now() - start) * 100) / 100;
    logger.requestLine({
      route: request.event.routeKey,
      sourceId: request.event.pathParameters?.sourceId,
      leadId: fields?.leadId,
      outcome: status < 300 ? 'accepted' : status < 400 ? 'redirected' : status < 500 ? 'rejected' : 'failed',
      status,
      ...fields,
      durationMs,
    });
  };
  return {
    before: async function startRequestClock(request) {
      started.set(request, performance.now());
    },
    after: write,
    onError: write,
  };
}
