import type { CaptureChannel, ChannelDeps } from '#shared/channels/channel.ts';
import { requestContext } from '#shared/channels/common/context.ts';
import { enqueue, newEnvelope } from '#shared/channels/common/enqueue.ts';
import { countRejectedStatus } from '#shared/channels/common/rejections.ts';
import type { PartnerAccepted, PartnerBatchAnswer, PartnerItemResult } from '#shared/channels/partner/api.ts';
import {
  DEFAULT_MAX_BATCH,
  MAX_IDEMPOTENCY_KEY_LENGTH,
  type PartnerErrorCode,
  partnerErrorCodes,
} from '#shared/channels/partner/codes.ts';
import type { Envelope } from '#shared/envelope.ts';
import { parseBody } from '#shared/http/body.ts';
import { HttpError, queueUnavailable } from '#shared/http/errors.ts';
import { limits } from '#shared/http/limits.ts';
import type { HttpRequest } from '#shared/http/request.ts';
import { type HttpResult, json, type LogFields, withLogFields } from '#shared/http/response.ts';
import { parseJsonExact } from '#shared/json.ts';
import { dryRun } from '#shared/mapping/mappers.ts';
import {
  authUnavailable,
  type StandardWebhookCheck,
  secretsEqualAny,
  secretValues,
  standardWebhooksKey,
  verifyStandardWebhook,
} from '#shared/security/signatures.ts';
import type { Source } from '#shared/sources/schema.ts';
import { count, logger } from '#shared/telemetry.ts';

/** How many leads of a batch are put on the queue at the same time. */
const ENQUEUE_CONCURRENCY = 10;

type AuthMethod = 'api_key' | 'signature';

interface Message {
  source: Source;
  request: HttpRequest;
  receivedAt: string;
  idempotencyKey: string | undefined;
  /** Standard Webhooks `webhook-id` of a signed request: the partner's message id. */
  messageId: string | undefined;
}

/**
 * Partner feeds: `POST /v1/partners/{sourceId}/leads` with one lead (a JSON object) or a batch (an
 * array, at most `partner.maxBatch`, default 100).
 * verify (`X-Api-Key` against the secrets named in `partner.apiKeys`, or a Standard Webhooks signature
 * under `partner.signingSecrets`) → parse (JSON only; values as in a form's JSON body) → per lead:
 * normalise, dedupe key, dry-run mapping → enqueue. One lead answers like a form (202 `{id,status}` or
 * 422); a batch answers 202 `{results:[...]}` with a result per lead when at least one was queued,
 * else 422 with the same body; a bad lead never drops the good ones.
 *
 * Dedupe key (`partner:<sourceId>:…`), first found: signed requests: the lead's `partner.leadIdField`
 * → the signed `webhook-id` (`:<index>` in a batch); API-key requests: `Idempotency-Key` (`:<index>`
 * in a batch) → the lead's `partner.leadIdField` → the envelope id.
 *
 * @example
 * const partners = partnerChannel({ sources, queue, secrets });
 * const result = await partners.capture(readRequest(event)); // 202 {"id":"01J…","status":"queued"}
 */
export function partnerChannel(deps: ChannelDeps): CaptureChannel {
  const now = deps.now ?? (() => new Date());

  const authenticate = async (source: Source, request: HttpRequest): Promise<AuthMethod> => {
    const settings = source.partner ?? {};
    const { headers } = request;
    const signed = ['webhook-id', 'webhook-timestamp', 'webhook-signature'].some((name) => headers[name]);
    const apiKey = headers['x-api-key'];
    if (signed && settings.signingSecrets?.length) {
      const secrets = await wellFormedSigningSecrets(deps, settings.signingSecrets, source.id);
      if (secrets.length === 0) throw authUnavailable();
      const check = partnerSignatureCheck(secrets, request.body, headers, now());
      if (!check.ok) throw new HttpError(401, check.code, check.message);
      return 'signature';
    }
    if (apiKey && settings.apiKeys?.length) {
      const keys = await secretValues(deps.secrets, settings.apiKeys, source.id);
      if (keys.length === 0) throw authUnavailable();
      if (!secretsEqualAny(apiKey, keys)) {
        throw partnerError('invalid_api_key', 'The X-Api-Key is not valid for this source.');
      }
      return 'api_key';
    }
    if (signed || apiKey) {
      throw partnerError(
        'auth_method_not_allowed',
        signed
          ? 'This source does not accept signed requests: send its X-Api-Key.'
          : 'This source does not accept API keys: sign requests with its Standard Webhooks secret.',
      );
    }
    throw partnerError(
      'unauthorized',
      'Authenticate with an X-Api-Key header or a Standard Webhooks signature.',
    );
  };

  /** Normalises one lead into an envelope that passed the dry-run mapping; throws an HttpError if not. */
  const prepare = async (message: Message, item: unknown, index: number | undefined): Promise<Envelope> => {
    if (item === null || typeof item !== 'object' || Array.isArray(item)) {
      throw index === undefined
        ? partnerError('malformed_body', 'The JSON body must be a lead (an object) or a list of leads.')
        : partnerError('malformed_lead', 'Each lead must be a JSON object of field names and values.');
    }
    // before re-serialising the lead (recursive): a lead nested thousands deep is a 400, never a 500
    if (nestedDeeperThan(item, limits.maxJsonDepth + 1)) {
      throw partnerError('too_deep', `A lead is nested deeper than ${limits.maxJsonDepth} levels.`);
    }
    const { fields } = await parseBody('application/json', Buffer.from(JSON.stringify(item)));
    const { source, receivedAt } = message;
    const context = requestContext({ sourceId: source.id, receivedAt, query: message.request.query }, fields);
    const leadId = leadIdOf(source, fields);
    if (leadId) context['partner.lead_id'] = leadId;
    const envelope = newEnvelope({
      sourceId: source.id,
      channel: 'partner',
      receivedAt,
      fields,
      context,
      dedupeKey: dedupeKeyOf(message, leadId, index),
    });
    const mapped = await dryRun(source, envelope);
    if (!mapped.ok) {
      throw new HttpError(422, 'validation_failed', 'Some required fields are missing or invalid.', {
        fields: mapped.errors,
      });
    }
    return envelope;
  };

  const single = async (message: Message, item: unknown): Promise<HttpResult> => {
    const envelope = await prepare(message, item, undefined);
    await enqueue(deps.queue, envelope);
    const answer: PartnerAccepted = { id: envelope.id, status: 'queued' };
    return withLogFields(json(202, answer), { leadId: envelope.id });
  };

  /** Answers a batch; `log` gets the tally for the request's log line (also when none was queued). */
  const batch = async (message: Message, items: unknown[], log: LogFields): Promise<HttpResult> => {
    const maxBatch = message.source.partner?.maxBatch ?? DEFAULT_MAX_BATCH;
    if (items.length === 0) throw partnerError('empty_batch', 'The batch is empty: send at least one lead.');
    if (items.length > maxBatch) {
      throw partnerError(
        'batch_too_large',
        `A batch may carry at most ${maxBatch} leads (got ${items.length}).`,
      );
    }
    const results = await mapLimit(
      items,
      ENQUEUE_CONCURRENCY,
      async (item, index): Promise<PartnerItemResult> => {
        let envelope: Envelope;
        try {
          envelope = await prepare(message, item, index);
        } catch (error) {
          if (!(error instanceof HttpError)) throw error;
          count(`partner_item_rejected_${error.code}`);
          return { index, status: 'rejected', error: errorBody(error) };
        }
        try {
          await enqueue(deps.queue, envelope);
        } catch (error) {
          if (!(error instanceof HttpError)) throw error;
          return { index, status: 'failed', error: errorBody(error) };
        }
        return { index, id: envelope.id, status: 'queued' };
      },
    );
    const tally = { queued: 0, rejected: 0, failed: 0 };
    for (const result of results) tally[result.status]++;
    Object.assign(log, { items: items.length, ...tally });
    if (tally.queued === 0 && tally.failed > 0) throw queueUnavailable(undefined);
    const answer: PartnerBatchAnswer = { results };
    const status = tally.queued > 0 ? 202 : 422;
    countRejectedStatus('partner', status);
    return json(status, answer);
  };

  return {
    async capture(request: HttpRequest): Promise<HttpResult> {
      const sourceId = (request.pathParameters.sourceId ?? '').slice(0, 100);
      const log: LogFields = { channel: 'partner' };
      const source = deps.sources.get(sourceId);
      if (source?.channel !== 'partner') {
        throw partnerError('unknown_source', `No partner source "${sourceId}" is configured for this route.`);
      }
      if (request.body.length > limits.maxBodyBytes) {
        throw partnerError(
          'payload_too_large',
          `The request body is larger than ${Math.round(limits.maxBodyBytes / 1024)} KB.`,
        );
      }
      const method = await authenticate(source, request);
      const mediaType = request.headers['content-type']?.split(';')[0]?.trim().toLowerCase();
      if (mediaType !== 'application/json') {
        throw partnerError(
          'unsupported_media_type',
          'Send leads as JSON with Content-Type: application/json.',
        );
      }
      const message: Message = {
        source,
        request,
        receivedAt: now().toISOString(),
        idempotencyKey: idempotencyKeyOf(request),
        messageId: method === 'signature' ? request.headers['webhook-id'] : undefined,
      };
      const body = parseJson(request.body);
      const answer = Array.isArray(body) ? await batch(message, body, log) : await single(message, body);
      return withLogFields(answer, log);
    },
  };
}

/** An HttpError with the status the partner API documents for `code`. */
function partnerError(code: PartnerErrorCode, message: string): HttpError {
  return new HttpError(partnerErrorCodes[code].status, code, message);
}

function errorBody(error: HttpError) {
  return { code: error.code, message: error.message, ...(error.fields ? { fields: error.fields } : {}) };
}

function parseJson(body: Buffer): unknown {
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(body);
    return parseJsonExact(text);
  } catch {
    throw partnerError('malformed_body', 'The body is not valid UTF-8 JSON.');
  }
}

function idempotencyKeyOf(request: HttpRequest): string | undefined {
  const key = request.headers['idempotency-key'];
  if (key === undefined) return undefined;
  const pattern = new RegExp(`^[\\x21-\\x7e]{1,${MAX_IDEMPOTENCY_KEY_LENGTH}}$`);
  if (!pattern.test(key)) {
    throw partnerError(
      'invalid_idempotency_key',
      `Idempotency-Key must be 1 to ${MAX_IDEMPOTENCY_KEY_LENGTH} visible ASCII characters.`,
    );
  }
  return key;
}

/** The lead's own id from the source's `partner.leadIdField` (the first value of a list). */
function leadIdOf(source: Source, fields: Envelope['fields']): string | undefined {
  const name = source.partner?.leadIdField;
  if (!name || !Object.hasOwn(fields, name)) return undefined;
  const value = fields[name];
  const first = (Array.isArray(value) ? value[0] : value)?.trim();
  return first ? first.slice(0, 512) : undefined;
}

/**
 * The dedupe key of one lead, namespaced by source (`partner:<sourceId>:…`) so partners never
 * collide; undefined lets `newEnvelope` use the envelope id.
 *
 * A signed request is keyed only by what its signature covers: the lead's `partner.leadIdField` (in
 * the signed body), else the signed `webhook-id` (`:<index>` in a batch). Its `Idempotency-Key` header
 * is not signed: a replay of a captured request inside the ±5 minute window with a fresh
 * Idempotency-Key would otherwise become a second lead. Requests with an API key: `Idempotency-Key`
 * (`:<index>` in a batch) → lead id → envelope id.
 */
function dedupeKeyOf(
  message: Message,
  leadId: string | undefined,
  index: number | undefined,
): string | undefined {
  const prefix = `partner:${message.source.id}`;
  const suffix = index === undefined ? '' : `:${index}`;
  if (message.messageId) {
    return leadId ? `${prefix}:lead:${leadId}` : `${prefix}:msg:${message.messageId}${suffix}`;
  }
  if (message.idempotencyKey) return `${prefix}:key:${message.idempotencyKey}${suffix}`;
  if (leadId) return `${prefix}:lead:${leadId}`;
  return undefined;
}

/**
 * Whether a JSON value nests objects and lists deeper than `max` levels (the value itself is level
 * 1). Iterative, so a value nested 20,000 deep is answered without a deep call stack.
 */
function nestedDeeperThan(value: unknown, max: number): boolean {
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop() as [unknown, number];
    if (node === null || typeof node !== 'object') continue;
    if (depth > max) return true;
    for (const child of Object.values(node)) {
      if (child !== null && typeof child === 'object') stack.push([child, depth + 1]);
    }
  }
  return false;
}

/**
 * THE check of a signed partner request: its Standard Webhooks headers (`webhook-id`,
 * `webhook-timestamp`, `webhook-signature`) against the source's well-formed signing secrets at `now`
 * (`verifyStandardWebhook`, docs/architecture.md "The channel contract and the registry").
 *
 * @example
 * partnerSignatureCheck([signingSecret], request.body, request.headers, new Date()).ok; // boolean
 */
export function partnerSignatureCheck(
  secrets: readonly string[],
  body: Buffer,
  headers: Record<string, string | undefined>,
  now: Date,
): StandardWebhookCheck {
  return verifyStandardWebhook(
    {
      id: headers['webhook-id'],
      timestamp: headers['webhook-timestamp'],
      signature: headers['webhook-signature'],
      body,
    },
    secrets,
    now,
  );
}

/**
 * The partner's signing secrets that are set and well-formed (`standardWebhooksKey`). A malformed one
 * (`whsec_` with nothing, bad base64, a key under 24 bytes) counts as not configured: logged by name,
 * counted (`partner_signing_secret_malformed`), never used; with none left the request is a 503.
 */
async function wellFormedSigningSecrets(
  deps: ChannelDeps,
  names: readonly string[],
  sourceId: string,
): Promise<string[]> {
  const values = await secretValues(deps.secrets, names, sourceId);
  const wellFormed = values.filter((value) => standardWebhooksKey(value) !== undefined);
  if (wellFormed.length < values.length) {
    count('partner_signing_secret_malformed', values.length - wellFormed.length);
    logger.error('partner signing secret is malformed: counted as not configured', {
      sourceId,
      malformed: values.length - wellFormed.length,
    });
  }
  return wellFormed;
}

/** `Promise.all` over `items` with at most `limit` calls running at once; results in input order. */
async function mapLimit<T, R>(
  items: T[],
  limit: number,
  run: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await run(items[index] as T, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
