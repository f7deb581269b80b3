import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { HttpError } from '#shared/http/errors.ts';

export type HttpResult = APIGatewayProxyStructuredResultV2 & {
  statusCode: number;
  headers: Record<string, string>;
};

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

/** The error shape of the HTTP contract: `{"error":{"code","message","fields"}}`. */
export function errorResult(error: HttpError, headers: Record<string, string> = {}): HttpResult {
  const body = {
    error: { code: error.code, message: error.message, ...(error.fields ? { fields: error.fields } : {}) },
  };
  return json(error.status, body, { ...error.headers, ...headers });
}

/** `303 See Other` to a thank-you or error page, for classic browser form posts. */
export function seeOther(location: string, headers: Record<string, string> = {}): HttpResult {
  return { statusCode: 303, headers: { location, 'cache-control': 'no-store', ...headers }, body: '' };
}
