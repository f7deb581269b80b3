import type { Envelope } from '#shared/envelope.ts';
import { envelopeSchema } from '#shared/envelope.ts';
import type { HttpResult } from '#shared/http/response.ts';
import { isRecord } from '#test/support/fuzz/json.ts';
import type { FuzzRequest, RouteName } from '#test/support/fuzz/requests.ts';

/** The check that an answer keeps the HTTP contract (never a 5xx, JSON errors with a code, or the vendor's format). */

/** What each route may answer besides a rejection. */
const successStatuses: Record<RouteName, readonly number[]> = {
  health: [200],
  form: [202, 303],
  'form-preflight': [204],
  partner: [202],
  'google-ads': [200],
  'meta-verify': [200],
  meta: [200],
  'linkedin-verify': [200],
  linkedin: [200, 202],
  tiktok: [200],
  unknown: [],
};
/** Rejections the HTTP contract lists for bad input (5xx are only for our own trouble). */
const rejectionStatuses = [400, 401, 403, 404, 405, 413, 415, 422, 429];

/** Signs of a stack trace or of internals in an answer. */
const internals = /\n\s+at [^\n]*:\d+:\d+|node:internal|\/node_modules\/|\.ts:\d+:\d+/;

function parseJsonBody(result: HttpResult): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(String(result.body)) };
  } catch {
    return { ok: false };
  }
}

/**
 * Every way `result` breaks the HTTP contract for `request` (empty: it keeps it). `queued` are the
 * envelopes this one request put on the queue.
 */
export function contractProblems(
  request: FuzzRequest,
  result: unknown,
  queued: readonly Envelope[],
): string[] {
  const problems: string[] = [];
  if (!isRecord(result) || typeof result.statusCode !== 'number')
    return [`not an HTTP result: ${String(result)}`];
  const answer = result as unknown as HttpResult;
  const status = answer.statusCode;
  const body = typeof answer.body === 'string' ? answer.body : '';
  if (status >= 500) problems.push(`${status} for bad input: ${body.slice(0, 300)}`);
  for (const [name, value] of Object.entries(answer.headers ?? {})) {
    if (typeof value !== 'string') problems.push(`header ${name} is not a string`);
  }
  if (answer.isBase64Encoded) problems.push('answer is base64-encoded');
  const leaked = internals.exec(body)?.[0];
  const echoed = [
    request.pathParameters.sourceId ?? '',
    ...Object.values(request.query),
    request.body.toString('utf8'),
  ];
  if (leaked !== undefined && !echoed.some((input) => input.includes(leaked))) {
    problems.push(`answer shows internals: ${body.slice(0, 300)}`);
  }
  for (const envelope of queued) {
    const checked = envelopeSchema.safeParse(JSON.parse(JSON.stringify(envelope)));
    if (!checked.success) problems.push(`queued an invalid envelope: ${checked.error.issues[0]?.message}`);
  }

  if (status >= 400 && status < 500) {
    if (!rejectionStatuses.includes(status)) problems.push(`unexpected rejection status ${status}`);
    const parsed = parseJsonBody(answer);
    if (!parsed.ok) return [...problems, `rejection is not JSON: ${body.slice(0, 200)}`];
    const value = parsed.value;
    if (request.route === 'google-ads') {
      // Google's own format: {"message": "..."}
      if (!isRecord(value) || typeof value.message !== 'string' || Object.keys(value).length !== 1) {
        problems.push(`google-ads rejection is not {"message"}: ${body.slice(0, 200)}`);
      }
    } else if (
      request.route === 'partner' &&
      status === 422 &&
      isRecord(value) &&
      Array.isArray(value.results)
    ) {
      if (value.results.some((item) => isRecord(item) && item.status === 'queued')) {
        problems.push('422 batch answer lists a queued lead');
      }
    } else {
      const error = isRecord(value) ? value.error : undefined;
      if (!isRecord(error) || typeof error.code !== 'string' || !/^[a-z][a-z0-9_]*$/.test(error.code)) {
        problems.push(`rejection has no {"error":{"code"}}: ${body.slice(0, 200)}`);
      } else {
        if (typeof error.message !== 'string' || error.message === '')
          problems.push('rejection has no message');
        const extra = Object.keys(error).filter((key) => !['code', 'message', 'fields'].includes(key));
        if (extra.length > 0) problems.push(`rejection has extra keys ${extra.join(', ')}`);
        if (error.fields !== undefined && (status !== 422 || !isRecord(error.fields))) {
          problems.push('fields outside a 422');
        }
      }
    }
    if (queued.length > 0) problems.push(`${status} rejection but ${queued.length} lead(s) queued`);
    return problems;
  }

  if (!successStatuses[request.route].includes(status)) {
    problems.push(`unexpected status ${status} for ${request.route}: ${body.slice(0, 200)}`);
    return problems;
  }
  const parsed =
    status === 303 || status === 204 || request.route === 'meta-verify' ? undefined : parseJsonBody(answer);
  const value = parsed?.ok ? parsed.value : undefined;
  if (parsed && !parsed.ok) return [...problems, `success answer is not JSON: ${body.slice(0, 200)}`];
  const ids = new Set(queued.map((envelope) => envelope.id));
  switch (request.route) {
    case 'health':
      if (!isRecord(value) || value.status !== 'ok') problems.push('health is not {"status":"ok"}');
      break;
    case 'form':
      if (status === 303 && !answer.headers.location) problems.push('303 without Location');
      if (status === 202) {
        if (!isRecord(value) || value.status !== 'queued' || typeof value.id !== 'string')
          problems.push('202 is not {id,status}');
        else if (!ids.has(value.id) && request.pathParameters.sourceId !== 'fz-form') {
          problems.push('202 for a lead that was not queued');
        }
      }
      break;
    case 'partner':
      if (isRecord(value) && Array.isArray(value.results)) {
        for (const item of value.results) {
          if (isRecord(item) && item.status === 'queued' && !ids.has(String(item.id)))
            problems.push('batch lists an unqueued lead');
        }
      } else if (!isRecord(value) || value.status !== 'queued' || !ids.has(String(value.id))) {
        problems.push('202 is not {id,status} of a queued lead');
      }
      break;
    case 'google-ads':
    case 'tiktok':
      if (!isRecord(value) || Object.keys(value).length !== 0)
        problems.push(`${request.route} success is not {}`);
      break;
    case 'meta':
      if (!isRecord(value) || value.received !== queued.length) problems.push('meta received ≠ leads queued');
      break;
    case 'meta-verify':
      if (body !== request.query['hub.challenge'])
        problems.push('meta verification does not echo hub.challenge');
      break;
    case 'linkedin-verify':
      if (!isRecord(value) || typeof value.challengeResponse !== 'string')
        problems.push('linkedin validation has no challengeResponse');
      if (
        !/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i.test(
          request.query.challengeCode ?? '',
        )
      )
        problems.push('linkedin validation signed something other than a type-4 UUID');
      break;
    case 'linkedin':
      if (status === 202 && (!isRecord(value) || !ids.has(String(value.id))))
        problems.push('linkedin 202 for an unqueued lead');
      break;
    default:
      break;
  }
  return problems;
}
