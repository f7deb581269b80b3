import { type ChannelDeps, UNROUTED_SOURCE_ID, type WebhookRouter } from '#shared/channels/channel.ts';
import { enqueue, newEnvelope } from '#shared/channels/common/enqueue.ts';
import { firstById } from '#shared/channels/common/routing.ts';
import { HttpError, payloadTooLarge } from '#shared/http/errors.ts';
import { limits } from '#shared/http/limits.ts';
import type { HttpRequest } from '#shared/http/request.ts';
import { type HttpResult, json, withLogFields } from '#shared/http/response.ts';
import { idString, readJsonObject } from '#shared/json.ts';
import { gatewaySecret, hmacSha256Hex, verifyHexHmac } from '#shared/security/signatures.ts';
import type { SourceRegistry } from '#shared/sources/registry.ts';
import type { Source } from '#shared/sources/schema.ts';
import { count, logger } from '#shared/telemetry.ts';

/** Gateway secret: the LinkedIn app's client secret (challenge answers and `X-LI-Signature`). */
export const LINKEDIN_CLIENT_SECRET = 'LINKEDIN_CLIENT_SECRET';

/**
 * LinkedIn's `challengeCode`: "Randomly generated type-4 UUID string created by LinkedIn"
 * (https://learn.microsoft.com/en-us/linkedin/shared/api-guide/webhook-validation). Only that shape
 * is answered (any case, version nibble 4, RFC 4122 variant): the client secret also keys
 * `X-LI-Signature`, so HMAC'ing any other text would sign notifications for whoever asks.
 */
const CHALLENGE_CODE = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;

/**
 * Whether `id` has the shape of a LinkedIn lead form response id (a UUID with a `-<n>` suffix such as
 * `a9a29e52-c0a3-42e3-8af1-2fc83b697003-4`, or digits): letters, digits, `-` and `_`, starting with a
 * letter or digit, at most 200 characters. Never `.`, `/` or `%`, so an id can never become a dot
 * segment or another path of api.linkedin.com once it is put into the fetch URL (which carries the
 * Bearer token). Checked at capture and again before the deliver-side fetch.
 *
 * @example
 * isLinkedinResponseId('a9a29e52-c0a3-42e3-8af1-2fc83b697003-4'); // true
 * isLinkedinResponseId('..'); // false
 */
export function isLinkedinResponseId(id: string): boolean {
  return /^[A-Za-z0-9][A-Za-z0-9_-]{0,199}$/.test(id);
}

/** One `LEAD_ACTION` notification, as leadgate reads it. */
export interface LinkedinLeadAction {
  /** `urn:li:leadFormResponse:<id>`: the lead. */
  responseUrn: string;
  /** The id in that URN: what `GET /rest/leadFormResponses/{id}` takes. */
  responseId: string;
  /** `CREATED` or `DELETED` (anything else is ignored). */
  action: string;
  formUrn: string | undefined;
  formId: string | undefined;
  formVersion: string | undefined;
  /** The owner's URN (`urn:li:sponsoredAccount:…` or `urn:li:organization:…`). */
  owner: string | undefined;
  leadType: string | undefined;
  /** ISO-8601 (LinkedIn sends epoch milliseconds). */
  occurredAt: string | undefined;
}

/**
 * The LinkedIn Lead Sync channel: `GET /v1/webhooks/linkedin` (challenge validation, repeated every
 * two hours) and `POST /v1/webhooks/linkedin` (`LEAD_ACTION` notifications).
 * POST: `X-LI-Signature` over the raw bytes → `CREATED` becomes an envelope with
 * `fetch: {provider: 'linkedin', id}` routed by form id → enqueued → 202; `DELETED` is logged and
 * counted (`linkedin_deleted`), not delivered → 200. A lead no source matches is queued as unrouted.
 *
 * @example
 * const linkedin = linkedinChannel({ sources, queue, secrets });
 * const answer = request.method === 'GET' ? await linkedin.verify(request) : await linkedin.capture(request);
 */
export function linkedinChannel(deps: ChannelDeps) {
  const now = deps.now ?? (() => new Date());

  return {
    /** Answers `?challengeCode=` with `{challengeCode, challengeResponse: hex HMAC-SHA256}`. */
    async verify(request: HttpRequest): Promise<HttpResult> {
      const challengeCode = request.query.challengeCode ?? '';
      if (!CHALLENGE_CODE.test(challengeCode)) {
        throw new HttpError(
          400,
          'malformed_verification',
          'challengeCode must be the type-4 UUID LinkedIn generates.',
        );
      }
      const secret = await gatewaySecret(deps.secrets, LINKEDIN_CLIENT_SECRET, 'linkedin');
      count('linkedin_validated');
      return withLogFields(
        json(200, { challengeCode, challengeResponse: hmacSha256Hex(secret, challengeCode) }),
        { channel: 'linkedin' },
      );
    },

    /** Verifies one notification and queues its lead (CREATED) or records its deletion (DELETED). */
    async capture(request: HttpRequest): Promise<HttpResult> {
      if (request.body.length > limits.maxBodyBytes) throw payloadTooLarge(limits.maxBodyBytes);
      const secret = await gatewaySecret(deps.secrets, LINKEDIN_CLIENT_SECRET, 'linkedin');
      const header = request.headers['x-li-signature'];
      if (header === undefined || header.trim() === '') {
        throw new HttpError(401, 'signature_missing', 'X-LI-Signature is missing.');
      }
      if (!linkedinSignatureMatches(secret, request.body, header)) {
        throw new HttpError(401, 'invalid_signature', 'X-LI-Signature does not match the request body.');
      }
      const notification = parseLinkedinNotification(request.body);
      if (notification === undefined) {
        count('linkedin_ignored');
        return withLogFields(json(200, {}), { channel: 'linkedin', dropped: 'not_lead_action' });
      }
      const log = {
        channel: 'linkedin',
        responseId: notification.responseId,
        formId: notification.formId,
        action: notification.action,
      };
      if (notification.action === 'DELETED') {
        count('linkedin_deleted');
        return withLogFields(json(200, {}), { ...log, dropped: 'deleted_by_member' });
      }
      if (notification.action !== 'CREATED') {
        count('linkedin_ignored');
        return withLogFields(json(200, {}), { ...log, dropped: 'unknown_action' });
      }
      const source = linkedinSourceFor(deps.sources, notification.formId);
      const receivedAt = now().toISOString();
      const envelope = newEnvelope({
        sourceId: source?.id ?? UNROUTED_SOURCE_ID,
        channel: 'linkedin',
        receivedAt,
        fields: {},
        context: linkedinContext(notification, source, receivedAt),
        dedupeKey: `linkedin:${notification.responseUrn}:${notification.action}`,
        fetch: { provider: 'linkedin', id: notification.responseId },
      });
      await enqueue(deps.queue, envelope);
      if (!source) {
        count('linkedin_unrouted');
        logger.warn('linkedin lead matches no source: queued as unrouted', log);
      }
      return withLogFields(json(202, { id: envelope.id, status: 'queued' }), {
        channel: 'linkedin',
        leadId: envelope.id,
        ...(source ? {} : { unrouted: 1 }),
      });
    },
  };
}

/**
 * THE rule for `X-LI-Signature`, as LinkedIn documents it: "the HMACSHA256 hash of the JSON-encoded
 * string representation of the POST body prefixed by `hmacsha256=` [...] computed using your app's
 * clientSecret" (https://learn.microsoft.com/en-us/linkedin/shared/api-guide/webhook-validation,
 * "Requirements for Processing Notifications"); hex-encoded like the challenge response on the same
 * page. The header carries the hex digest alone; computed over the raw body bytes as received and
 * compared in constant time.
 *
 * @example
 * linkedinSignatureMatches(clientSecret, request.body, request.headers['x-li-signature']); // boolean
 */
export function linkedinSignatureMatches(
  clientSecret: string,
  body: Buffer,
  header: string | undefined,
): boolean {
  const signed = Buffer.concat([Buffer.from('hmacsha256=', 'utf8'), body]);
  return verifyHexHmac(clientSecret, signed, header?.trim() ?? '');
}

/**
 * Reads a notification (raw bytes). `undefined` for another `type` than `LEAD_ACTION`; throws
 * `400 malformed_body` for JSON that is not a lead notification (no usable `leadGenFormResponse`).
 *
 * @example
 * parseLinkedinNotification(body)?.responseId; // 'a9a29e52-c0a3-42e3-8af1-2fc83b697003-4'
 */
export function parseLinkedinNotification(body: Buffer): LinkedinLeadAction | undefined {
  const value = readJsonObject(
    body,
    'The notification is not valid UTF-8 JSON.',
    'The notification is not a JSON object.',
  );
  if (value.type !== 'LEAD_ACTION') return undefined;
  const responseUrn = typeof value.leadGenFormResponse === 'string' ? value.leadGenFormResponse.trim() : '';
  const responseId = urnId(responseUrn);
  if (responseId === undefined) {
    throw new HttpError(400, 'malformed_body', 'leadGenFormResponse is not a lead form response URN.');
  }
  const formUrn = typeof value.leadGenForm === 'string' ? value.leadGenForm : undefined;
  const form = formUrn ? /urn:li:leadGenForm:(\d+)(?:,(\d+)\))?/.exec(formUrn) : null;
  return {
    responseUrn,
    responseId,
    action: typeof value.leadAction === 'string' ? value.leadAction : '',
    formUrn,
    formId: form?.[1],
    formVersion: form?.[2],
    owner: ownerUrn(value.owner),
    leadType: typeof value.leadType === 'string' ? value.leadType : undefined,
    occurredAt: epochMillisToIso(value.occurredAt ?? value.occuredAt),
  };
}

/**
 * The source of a LinkedIn lead: a `linkedin` source whose `formIds` list the lead's form; failing
 * that, one with an empty `formIds` (every form). Among equals the first source id wins.
 *
 * @example
 * linkedinSourceFor(sources, '6955637458260688897')?.id; // 'linkedin-webinar' | undefined
 */
export function linkedinSourceFor(sources: SourceRegistry, formId: string | undefined): Source | undefined {
  const specific: Source[] = [];
  const everyForm: Source[] = [];
  for (const source of sources.all()) {
    if (source.channel !== 'linkedin') continue;
    const formIds = source.linkedin?.formIds ?? [];
    if (formIds.length === 0) everyForm.push(source);
    else if (formId !== undefined && formIds.includes(formId)) specific.push(source);
  }
  return firstById(specific, 'linkedin') ?? firstById(everyForm, 'linkedin');
}

/**
 * Deliver-side routing of a LinkedIn envelope captured as unrouted, with the config current at delivery.
 *
 * @example
 * leadDelivery({ ...deps, routers: { linkedin: linkedinRouter } });
 */
export const linkedinRouter: WebhookRouter = (envelope, sources) =>
  linkedinSourceFor(sources, envelope.context['linkedin.form_id']);

function linkedinContext(
  notification: LinkedinLeadAction,
  source: Source | undefined,
  receivedAt: string,
): Record<string, string> {
  const context: Record<string, string> = {
    receivedAt,
    'linkedin.response_urn': notification.responseUrn,
    'linkedin.response_id': notification.responseId,
  };
  if (source) context.source = source.id;
  const optional: [string, string | undefined][] = [
    ['linkedin.form_urn', notification.formUrn],
    ['linkedin.form_id', notification.formId],
    ['linkedin.form_version', notification.formVersion],
    ['linkedin.owner', notification.owner],
    ['linkedin.lead_type', notification.leadType],
    ['linkedin.occurred_at', notification.occurredAt],
  ];
  for (const [key, value] of optional) if (value !== undefined) context[key] = value;
  return context;
}

/** The id part of `urn:li:leadFormResponse:<id>`, when it has LinkedIn's response id shape. */
function urnId(urn: string): string | undefined {
  const match = /^urn:li:[A-Za-z]+:([^:]{1,200})$/.exec(urn);
  return match?.[1] !== undefined && isLinkedinResponseId(match[1]) ? match[1] : undefined;
}

function ownerUrn(owner: unknown): string | undefined {
  if (typeof owner === 'string') return owner;
  if (owner === null || typeof owner !== 'object') return undefined;
  return Object.values(owner).find((value): value is string => typeof value === 'string');
}

function epochMillisToIso(value: unknown): string | undefined {
  const millis = Number(idString(value) ?? Number.NaN);
  if (!Number.isFinite(millis) || millis <= 0) return undefined;
  const date = new Date(millis);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}
