import { requestContext } from '#shared/channels/common/context.ts';
import { enqueue, newEnvelope } from '#shared/channels/common/enqueue.ts';
import { attributionContext } from '#shared/channels/form/attribution.ts';
import { type CaptchaDeps, captchaCheck } from '#shared/channels/form/captcha.ts';
import { originMatcher, originOf } from '#shared/channels/form/origins.ts';
import type { InputFields } from '#shared/envelope.ts';
import { parseBody } from '#shared/http/body.ts';
import { HttpError, payloadTooLarge, unknownSource } from '#shared/http/errors.ts';
import { limits } from '#shared/http/limits.ts';
import type { HttpRequest } from '#shared/http/request.ts';
import { wantsJson } from '#shared/http/request.ts';
import { type HttpResult, json, seeOther, withLogFields } from '#shared/http/response.ts';
import { newLeadId } from '#shared/ids.ts';
import { dryRun } from '#shared/mapping/mappers.ts';
import type { LeadQueue } from '#shared/queue/client.ts';
import type { SourceRegistry } from '#shared/sources/registry.ts';
import type { Source } from '#shared/sources/schema.ts';
import { count } from '#shared/telemetry.ts';

// CAPTCHA (form.captcha): `secrets` and `captcha` settings come through CaptchaDeps
export interface FormChannelDeps extends CaptchaDeps {
  sources: SourceRegistry;
  queue: LeadQueue;
  now?: () => Date;
}

type FormSource = Source & { form: NonNullable<Source['form']> };

/**
 * The website-form channel: `POST /v1/forms/{sourceId}` and its CORS preflight.
 * verify (origin, size, content type) → parse (urlencoded, multipart, JSON) → honeypot → dry-run
 * mapping (422) → enqueue → 202 JSON, or 303 to the source's thank-you page for a classic post.
 *
 * @example
 * const forms = formChannel({ sources, queue });
 * const result = await forms.capture(readRequest(event));
 */
export function formChannel(deps: FormChannelDeps) {
  const now = deps.now ?? (() => new Date());
  const matchers = new WeakMap<Source, (origin: string) => boolean>();
  const captcha = captchaCheck(deps); // CAPTCHA: shared/channels/form/captcha.ts

  /** The form source of the route; an unknown one is answered (and counted) by `httpErrors`. */
  const formSource = (request: HttpRequest): FormSource => {
    const sourceId = request.pathParameters.sourceId ?? '';
    const source = deps.sources.get(sourceId);
    if (source?.channel !== 'form' || !source.form) throw unknownSource(sourceId);
    return source as FormSource;
  };

  /** The request's origin when the source allows it; throws 403 otherwise. */
  const checkOrigin = (source: FormSource, request: HttpRequest): string | undefined => {
    let allowed = matchers.get(source);
    if (!allowed) {
      allowed = originMatcher(source.form.allowedOrigins);
      matchers.set(source, allowed);
    }
    const origin = request.headers.origin ?? originOf(request.headers.referer);
    if (source.form.allowedOrigins.includes('*')) return origin;
    if (!origin || origin === 'null') {
      throw new HttpError(
        403,
        'origin_missing',
        'This form only accepts posts from its website (no Origin or Referer).',
      );
    }
    if (!allowed(origin)) {
      throw new HttpError(403, 'origin_not_allowed', `Posts from ${origin} are not allowed for this form.`);
    }
    return origin;
  };

  const corsHeaders = (origin: string | undefined): Record<string, string> =>
    origin ? { 'access-control-allow-origin': origin, vary: 'Origin' } : {};

  return {
    preflight(request: HttpRequest): HttpResult {
      const source = formSource(request);
      const origin = checkOrigin(source, request);
      return {
        statusCode: 204,
        headers: {
          ...corsHeaders(origin),
          'access-control-allow-methods': 'POST, OPTIONS',
          'access-control-allow-headers': 'content-type, accept, x-captcha-token', // CAPTCHA: fetch posts' token header
          'access-control-max-age': '600',
        },
        body: '',
      };
    },

    async capture(request: HttpRequest): Promise<HttpResult> {
      const source = formSource(request);
      const classic = !wantsJson(request);
      let origin: string | undefined;
      try {
        origin = checkOrigin(source, request);
        if (request.body.length > limits.maxBodyBytes) throw payloadTooLarge(limits.maxBodyBytes);
        const { fields, droppedFiles } = await parseBody(request.headers['content-type'], request.body);
        const receivedAt = now().toISOString();
        const id = newLeadId();
        if (honeypotFilled(source, fields)) {
          count('honeypot');
          return withLogFields(accepted(source, id, classic, corsHeaders(origin)), { dropped: 'honeypot' });
        }
        if (source.form.honeypot) delete fields[source.form.honeypot];
        const captchaContext = await captcha(source, request, fields); // CAPTCHA: before anything is queued
        const envelope = newEnvelope({
          id,
          sourceId: source.id,
          channel: 'form',
          receivedAt,
          fields,
          context: {
            ...requestContext(
              {
                sourceId: source.id,
                receivedAt,
                ip: request.ip,
                userAgent: request.userAgent,
                referer: request.headers.referer,
                query: request.query,
              },
              fields,
            ),
            // the attribution script's fields (issue #14): last touch before the fallbacks above
            ...attributionContext(fields),
          },
        });
        Object.assign(envelope.context, captchaContext); // CAPTCHA: $captcha, $captcha.score
        const mapped = await dryRun(source, envelope);
        if (!mapped.ok) {
          throw new HttpError(422, 'validation_failed', 'Some required fields are missing or invalid.', {
            fields: mapped.errors,
          });
        }
        await enqueue(deps.queue, envelope);
        const answer = accepted(source, id, classic, corsHeaders(origin));
        return droppedFiles.length > 0
          ? withLogFields(answer, { droppedFiles: droppedFiles.length })
          : answer;
      } catch (error) {
        if (!(error instanceof HttpError)) throw error;
        // how the rejection is answered (CORS, a classic post's failure page); httpErrors renders it
        const failure = source.form.redirect?.failure;
        const redirect =
          classic && failure && error.status !== 503 ? withErrorCode(failure, error.code) : undefined;
        throw error.answeredWith({ headers: corsHeaders(origin), redirect });
      }
    },
  };
}

function accepted(
  source: FormSource,
  id: string,
  classic: boolean,
  headers: Record<string, string>,
): HttpResult {
  const success = source.form.redirect?.success;
  const answer =
    classic && success ? seeOther(success, headers) : json(202, { id, status: 'queued' }, headers);
  return withLogFields(answer, { leadId: id });
}

/**
 * The one honeypot check (capture and the preview): whether the form's honeypot field (`form.honeypot`)
 * was filled in, i.e. has a value that is not only whitespace. A bot did it; the lead is dropped.
 *
 * @example
 * honeypotFilled(source, { _gotcha: 'http://spam.example' }); // true
 */
export function honeypotFilled(source: Pick<Source, 'form'>, fields: InputFields): boolean {
  const name = source.form?.honeypot;
  if (!name || !Object.hasOwn(fields, name)) return false;
  const value = fields[name];
  return Array.isArray(value) ? value.some((item) => item.trim() !== '') : (value ?? '').trim() !== '';
}

/** Adds `error=<code>` to a failure URL (absolute or a path), replacing any `error` already there. */
export function withErrorCode(url: string, code: string): string {
  if (url.startsWith('//')) {
    const parsed = new URL(`https:${url}`);
    parsed.searchParams.set('error', code);
    return parsed.toString().slice('https:'.length);
  }
  const relative = url.startsWith('/');
  const parsed = new URL(url, 'http://relative.invalid');
  parsed.searchParams.set('error', code);
  return relative ? `${parsed.pathname}${parsed.search}${parsed.hash}` : parsed.toString();
}
