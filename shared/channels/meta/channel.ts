import { type ChannelDeps, UNROUTED_SOURCE_ID, type WebhookRouter } from '#shared/channels/channel.ts';
import { enqueueAll, newEnvelope } from '#shared/channels/common/enqueue.ts';
import { firstById } from '#shared/channels/common/routing.ts';
import type { Envelope } from '#shared/envelope.ts';
import { HttpError, payloadTooLarge, tooManyLeads } from '#shared/http/errors.ts';
import type { HttpRequest } from '#shared/http/request.ts';
import { type HttpResult, json, withLogFields } from '#shared/http/response.ts';
import { idString, isRecord, readJsonObject } from '#shared/json.ts';
import { gatewaySecret, secretsEqual, verifyHexHmac } from '#shared/security/signatures.ts';
import type { SourceRegistry } from '#shared/sources/registry.ts';
import type { Source } from '#shared/sources/schema.ts';
import { count, logger } from '#shared/telemetry.ts';

/** Gateway secret: the Meta app's secret, key of `X-Hub-Signature-256`. */
export const META_APP_SECRET = 'META_APP_SECRET';
/** Gateway secret: the verify token typed into the app's webhook settings. */
export const META_VERIFY_TOKEN = 'META_VERIFY_TOKEN';
/**
 * Largest notification accepted. Meta batches up to 1000 updates in one POST (ids only, ~250 bytes
 * each), more than the form limit allows; each lead still becomes its own small envelope.
 */
export const META_MAX_BODY_BYTES = 1024 * 1024;
/**
 * Most leads one notification may carry (more answer `413 too_many_leads`): Meta batches at most 1000
 * updates per POST (https://developers.facebook.com/docs/graph-api/webhooks/getting-started), so this
 * stops only forged fan-out (each lead costs an envelope and a Graph fetch).
 */
export const META_MAX_LEADS_PER_NOTIFICATION = 1000;

/** One `leadgen` change of a notification: the ids Meta sends (the lead itself is fetched in deliver). */
export interface MetaLeadgen {
  leadgenId: string;
  pageId: string | undefined;
  formId: string | undefined;
  adId: string | undefined;
  adgroupId: string | undefined;
  /** ISO-8601 (Meta sends Unix seconds). */
  createdTime: string | undefined;
}

/**
 * The Meta Lead Ads channel: `GET /v1/webhooks/meta` (subscription verification) and
 * `POST /v1/webhooks/meta` (leadgen notifications, one URL per Meta app).
 * POST: `X-Hub-Signature-256` over the raw bytes → every `leadgen` change becomes one envelope
 * (`fetch: {provider: 'meta', id}`, ids kept exact) routed by page and form → enqueued → 200.
 * A lead no source matches is queued as unrouted (Meta keeps no copy), never dropped.
 *
 * @example
 * const meta = metaChannel({ sources, queue, secrets });
 * const answer = request.method === 'GET' ? await meta.verify(request) : await meta.capture(request);
 */
export function metaChannel(deps: ChannelDeps) {
  const now = deps.now ?? (() => new Date());

  return {
    /** Answers Meta's `hub.challenge` when `hub.verify_token` matches `META_VERIFY_TOKEN`; else 403. */
    async verify(request: HttpRequest): Promise<HttpResult> {
      const challenge = request.query['hub.challenge'] ?? '';
      if (challenge === '' || challenge.length > 256) {
        throw new HttpError(400, 'malformed_verification', 'hub.challenge is missing or too long.');
      }
      if (request.query['hub.mode'] !== 'subscribe') {
        throw new HttpError(403, 'verification_failed', 'hub.mode must be "subscribe".');
      }
      const expected = await gatewaySecret(deps.secrets, META_VERIFY_TOKEN, 'meta');
      if (!secretsEqual(request.query['hub.verify_token'] ?? '', expected)) {
        throw new HttpError(403, 'verification_failed', 'The verify token does not match.');
      }
      count('meta_verified');
      const echo: HttpResult = {
        statusCode: 200,
        headers: {
          'content-type': 'text/plain; charset=utf-8',
          'cache-control': 'no-store',
          'x-content-type-options': 'nosniff',
        },
        body: challenge,
      };
      return withLogFields(echo, { channel: 'meta' });
    },

    /** Verifies, splits and enqueues one notification; 200 only once every lead of it is queued. */
    async capture(request: HttpRequest): Promise<HttpResult> {
      if (request.body.length > META_MAX_BODY_BYTES) throw payloadTooLarge(META_MAX_BODY_BYTES);
      const appSecret = await gatewaySecret(deps.secrets, META_APP_SECRET, 'meta');
      checkMetaSignature(appSecret, request);
      const { leads, ignored, invalid } = parseMetaNotification(request.body);
      const receivedAt = now().toISOString();
      const envelopes = leads.map((lead) => metaEnvelope(lead, deps.sources, receivedAt));
      await enqueueAll(deps.queue, envelopes, { concurrency: 10 });
      const unrouted = envelopes.filter((envelope) => envelope.sourceId === UNROUTED_SOURCE_ID).length;
      count('meta_leadgen', envelopes.length);
      if (unrouted > 0) count('meta_unrouted', unrouted);
      if (invalid > 0) count('meta_change_invalid', invalid);
      return withLogFields(json(200, { received: envelopes.length }), {
        channel: 'meta',
        leadId: envelopes.length === 1 ? envelopes[0]?.id : undefined,
        leads: envelopes.length,
        unrouted,
        ignoredChanges: ignored,
        invalidChanges: invalid,
      });
    },
  };
}

/**
 * Whether `header` (the `X-Hub-Signature-256` value) is `sha256=<hex HMAC-SHA256(appSecret, body)>`
 * over the raw bytes as received, compared in constant time. Any other scheme (`sha1=`) never matches.
 *
 * @example
 * metaSignatureMatches(appSecret, request.body, request.headers['x-hub-signature-256']); // boolean
 */
export function metaSignatureMatches(appSecret: string, body: Buffer, header: string | undefined): boolean {
  const match = /^sha256=([0-9a-fA-F]{64})$/i.exec(header?.trim() ?? '');
  return match?.[1] !== undefined && verifyHexHmac(appSecret, body, match[1]);
}

function checkMetaSignature(appSecret: string, request: HttpRequest): void {
  const header = request.headers['x-hub-signature-256']?.trim() ?? '';
  if (header === '') {
    throw new HttpError(
      401,
      'signature_missing',
      'X-Hub-Signature-256 is missing: Meta signs every notification with sha256=<hex HMAC>.',
    );
  }
  if (!header.toLowerCase().startsWith('sha256=')) {
    throw new HttpError(
      401,
      'unsupported_signature_scheme',
      'X-Hub-Signature-256 must be sha256=<hex HMAC-SHA256 of the raw body>.',
    );
  }
  if (!metaSignatureMatches(appSecret, request.body, header)) {
    throw new HttpError(401, 'invalid_signature', 'X-Hub-Signature-256 does not match the request body.');
  }
}

/**
 * Reads a notification (raw bytes): every `field: "leadgen"` change of every entry, ids as exact
 * strings, one per `leadgen_id` (a repeated id within the POST counts once). Other fields are
 * `ignored`; leadgen changes without a `leadgen_id` are `invalid` (skipped, not fatal). Throws
 * `400 malformed_body` when the body is not a JSON object with an `entry` list.
 *
 * @example
 * parseMetaNotification(Buffer.from('{"object":"page","entry":[]}'));
 * // { leads: [], ignored: 0, invalid: 0 }
 */
export function parseMetaNotification(body: Buffer): {
  leads: MetaLeadgen[];
  ignored: number;
  invalid: number;
} {
  const parsed = readJsonObject(
    body,
    'The notification is not valid UTF-8 JSON.',
    'The notification has no entry list.',
  );
  if (!Array.isArray(parsed.entry)) {
    throw new HttpError(400, 'malformed_body', 'The notification has no entry list.');
  }
  const leads = new Map<string, MetaLeadgen>();
  let ignored = 0;
  let invalid = 0;
  for (const entry of parsed.entry) {
    const changes = isRecord(entry) && Array.isArray(entry.changes) ? entry.changes : [];
    for (const change of changes) {
      if (!isRecord(change) || change.field !== 'leadgen') {
        ignored += 1;
        continue;
      }
      const value = isRecord(change.value) ? change.value : {};
      const leadgenId = idString(value.leadgen_id);
      if (leadgenId === undefined || !/^\d+$/.test(leadgenId)) {
        invalid += 1;
        continue;
      }
      if (leads.has(leadgenId)) continue;
      if (leads.size >= META_MAX_LEADS_PER_NOTIFICATION) throw tooManyLeads(META_MAX_LEADS_PER_NOTIFICATION);
      leads.set(leadgenId, {
        leadgenId,
        pageId: idString(value.page_id) ?? (isRecord(entry) ? idString(entry.id) : undefined),
        formId: idString(value.form_id),
        adId: idString(value.ad_id),
        adgroupId: idString(value.adgroup_id),
        createdTime: unixSecondsToIso(value.created_time),
      });
    }
  }
  return { leads: [...leads.values()], ignored, invalid };
}

/**
 * The source of a Meta lead: a `meta` source whose `pageId` is the lead's page and whose `formIds`
 * list the lead's form; failing that, one of that page with an empty `formIds` (every form of the
 * page). Among equals the first source id in alphabetical order wins (and a warning is logged).
 *
 * @example
 * metaSourceFor(sources, '104345678901234', '1234567890123456789')?.id; // 'meta-spring' | undefined
 */
export function metaSourceFor(
  sources: SourceRegistry,
  pageId: string | undefined,
  formId: string | undefined,
): Source | undefined {
  if (!pageId) return undefined;
  const specific: Source[] = [];
  const wholePage: Source[] = [];
  for (const source of sources.all()) {
    if (source.channel !== 'meta' || source.meta?.pageId !== pageId) continue;
    if (source.meta.formIds.length === 0) wholePage.push(source);
    else if (formId !== undefined && source.meta.formIds.includes(formId)) specific.push(source);
  }
  return firstById(specific, 'meta') ?? firstById(wholePage, 'meta');
}

/**
 * Deliver-side routing of a Meta envelope captured as unrouted, with the config current at delivery.
 *
 * @example
 * leadDelivery({ ...deps, routers: { meta: metaRouter } });
 */
export const metaRouter: WebhookRouter = (envelope, sources) =>
  metaSourceFor(sources, envelope.context['meta.page_id'], envelope.context['meta.form_id']);

function metaEnvelope(lead: MetaLeadgen, sources: SourceRegistry, receivedAt: string): Envelope {
  const source = metaSourceFor(sources, lead.pageId, lead.formId);
  const context: Record<string, string> = { receivedAt, 'meta.leadgen_id': lead.leadgenId };
  if (source) context.source = source.id;
  const optional: [string, string | undefined][] = [
    ['meta.page_id', lead.pageId],
    ['meta.form_id', lead.formId],
    ['meta.ad_id', lead.adId],
    ['meta.adgroup_id', lead.adgroupId],
    ['meta.created_time', lead.createdTime],
  ];
  for (const [key, value] of optional) if (value !== undefined) context[key] = value;
  if (!source) {
    logger.warn('meta lead matches no source: queued as unrouted', {
      channel: 'meta',
      leadgenId: lead.leadgenId,
      pageId: lead.pageId,
      formId: lead.formId,
    });
  }
  return newEnvelope({
    sourceId: source?.id ?? UNROUTED_SOURCE_ID,
    channel: 'meta',
    receivedAt,
    fields: {},
    context,
    dedupeKey: `meta:${lead.leadgenId}`,
    fetch: { provider: 'meta', id: lead.leadgenId },
  });
}

function unixSecondsToIso(value: unknown): string | undefined {
  const seconds = typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : Number.NaN;
  if (!Number.isFinite(seconds) || seconds <= 0) return undefined;
  const date = new Date(seconds * 1000);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}
