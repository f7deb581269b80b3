import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { HttpError } from '#shared/http/errors.ts';

/**
 * The key under which an answer carries fields for the request's log line (`requestLog`): a symbol,
 * so `JSON.stringify`, the Lambda runtime and the local gateway never send them.
 */
export const logFields: unique symbol = Symbol('leadgate.logFields');

/** Ids, counts and codes for the request's log line: never a value the sender posted. */
export type LogFields = Record<string, string | number | boolean | undefined>;

export type HttpResult = APIGatewayProxyStructuredResultV2 & {
  statusCode: number;
  headers: Record<string, string>;
  [logFields]?: LogFields;
};

/**
 * Adds fields to the request's log line (one line per request: `requestLog` writes them with the
 * route, status and duration); returns the same answer.
 *
 * @example
 * return withLogFields(json(202, { id, status: 'queued' }), { leadId: id });
 */
export function withLogFields(result: HttpResult, fields: LogFields): HttpResult {
  result[logFields] = result[logFields] ? { ...result[logFields], ...fields } : fields;
  return result;
}

/**
 * A JSON answer.
 *
 * @example
 * return json(202, { id, status: 'queued' });
 */
export function json(statusCode: number, body: unknown, headers: Record<string, string> = {}): HttpResult {
  return {
    statusCode,
    headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers },
    body: JSON.stringify(body),
  };
}

/** The error shape of the HTTP contract: `{"error":{"code","message","fields"}}`; logs the code. */
export function errorResult(error: HttpError, headers: Record<string, string> = {}): HttpResult {
  const body = {
    error: { code: error.code, message: error.message, ...(error.fields ? { fields: error.fields } : {}) },
  };
  return withLogFields(json(error.status, body, { ...error.headers, ...headers }), { code: error.code });
}

/** `303 See Other` to a thank-you or error page, for classic browser form posts. */
export function seeOther(location: string, headers: Record<string, string> = {}): HttpResult {
  return { statusCode: 303, headers: { location, 'cache-control': 'no-store', ...headers }, body: '' };
}
