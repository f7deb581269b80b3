import {
  type CaptureChannel,
  type ChannelDeps,
  UNROUTED_SOURCE_ID,
  type WebhookRouter,
} from '#shared/channels/channel.ts';
import { requestContext } from '#shared/channels/common/context.ts';
import { enqueueAll, newEnvelope } from '#shared/channels/common/enqueue.ts';
import { firstById } from '#shared/channels/common/routing.ts';
import type { Envelope, InputFields, LeadInput } from '#shared/envelope.ts';
import { badRequest, HttpError, payloadTooLarge, tooManyLeads } from '#shared/http/errors.ts';
import { limits } from '#shared/http/limits.ts';
import type { HttpRequest } from '#shared/http/request.ts';
import { type HttpResult, json, withLogFields } from '#shared/http/response.ts';
import { idString, readJsonObject } from '#shared/json.ts';
import { authUnavailable, secretValues, verifyHexHmac } from '#shared/security/signatures.ts';
import type { SourceRegistry } from '#shared/sources/registry.ts';
import type { Source } from '#shared/sources/schema.ts';
import { count, logger } from '#shared/telemetry.ts';

/** The gateway secret TikTok signs notifications with (the TikTok app's secret). */
export const TIKTOK_APP_SECRET = 'TIKTOK_APP_SECRET';

/** Entry facts that become `$tiktok.<name>` context values (`id` becomes `tiktok.lead_id`). */
const contextKeys = [
  'page_id',
  'advertiser_id',
  'campaign_id',
  'adgroup_id',
  'ad_id',
  'create_time',
] as const;

/** Most leads (`entry[]` items) one notification may carry; more answer `413 too_many_leads`. */
export const TIKTOK_MAX_LEADS_PER_NOTIFICATION = 1000;

/**
 * TikTok's webhook signature rule, as TikTok documents it
 * (https://developers.tiktok.com/doc/webhooks-verification): the header `TikTok-Signature` is
 * `t=<unix seconds>,s=<hex HMAC-SHA256>`, the HMAC keyed with the app's client secret over
 * `<t>` + `.` + the raw body, compared in constant time. This is the only variant accepted: the
 * `X-Open-Signature` (hex HMAC of the body alone) leadgate used to accept is in no TikTok document.
 * The timestamp is signed, so it cannot be altered; it is not held to a window because TikTok retries
 * a notification for hours and a replay of a signed notification is a duplicate (dedupe on the lead id).
 *
 * @example
 * tiktokSignatureValid(appSecret, request.body, request.headers['tiktok-signature']); // true | false
 */
export function tiktokSignatureValid(
  appSecret: string,
  rawBody: Buffer,
  header: string | undefined,
): boolean {
  const parts = new Map<string, string>();
  for (const element of (header ?? '').split(',')) {
    const at = element.indexOf('=');
    if (at > 0) parts.set(element.slice(0, at).trim(), element.slice(at + 1).trim());
  }
  const timestamp = parts.get('t');
  if (timestamp === undefined || !/^\d{1,12}$/.test(timestamp)) return false;
  return verifyHexHmac(appSecret, [timestamp, '.', rawBody], parts.get('s'));
}

/**
 * The TikTok source of an advertiser: the first source (by id) with `channel: tiktok` and
 * `tiktok.advertiserId` equal to `advertiserId`.
 *
 * @example
 * tiktokSourceFor(sources, '7000000000000000001')?.id; // 'tiktok-spring'
 */
export function tiktokSourceFor(
  sources: SourceRegistry,
  advertiserId: string | undefined,
): Source | undefined {
  if (!advertiserId) return undefined;
  const candidates = sources
    .all()
    .filter((source) => source.channel === 'tiktok' && source.tiktok?.advertiserId === advertiserId);
  return firstById(candidates, 'tiktok');
}

/**
 * Deliver-side router of TikTok leads captured while no source matched their advertiser (sourceId
 * `_unrouted`): finds the source with the current config from the envelope's `tiktok.advertiser_id`.
 *
 * @example
 * const deliver = leadDelivery({ ...deps, routers: { tiktok: tiktokRouter } });
 */
export const tiktokRouter: WebhookRouter = (envelope: Envelope, sources: SourceRegistry) =>
  tiktokSourceFor(sources, envelope.context['tiktok.advertiser_id']);

/**
 * TikTok lead webhooks: `POST /v1/webhooks/tiktok` (one URL for every advertiser).
 * verify (`TikTok-Signature` with the gateway secret `TIKTOK_APP_SECRET`) → parse (19-digit ids kept
 * exact, at most 1,000 entries) → one envelope per `entry[]`: input fields from `changes[]` (`field` → `value`, repeated
 * fields → lists), `$tiktok.*` context, dedupe key `tiktok:<entry id>`, routed to the source whose
 * `tiktok.advertiserId` is the entry's `advertiser_id` (else queued as `_unrouted`, for deliver to
 * route again with `tiktokRouter`) → enqueue → 200 `{}`. A bad or missing signature is a 401.
 *
 * @example
 * const tiktok = tiktokChannel({ sources, queue, secrets });
 * const result = await tiktok.capture(readRequest(event)); // 200 {} once every entry is queued
 */
export function tiktokChannel(deps: ChannelDeps): CaptureChannel {
  const now = deps.now ?? (() => new Date());
  return {
    async capture(request: HttpRequest): Promise<HttpResult> {
      if (request.body.length > limits.maxBodyBytes) throw payloadTooLarge(limits.maxBodyBytes);
      const signature = request.headers['tiktok-signature'];
      if (!signature) {
        throw new HttpError(401, 'signature_missing', 'The TikTok-Signature header is missing.');
      }
      const [appSecret] = await secretValues(deps.secrets, [TIKTOK_APP_SECRET], 'tiktok');
      if (appSecret === undefined) throw authUnavailable();
      if (!tiktokSignatureValid(appSecret, request.body, signature)) {
        throw new HttpError(401, 'invalid_signature', 'TikTok-Signature does not match the request body.');
      }
      const entries = parseEntries(request.body);
      const receivedAt = now().toISOString();
      const envelopes = entries.map((entry) => entryEnvelope(entry, deps.sources, receivedAt));
      await enqueueAll(deps.queue, envelopes, {
        onBeforeQueue: (envelope) => {
          if (envelope.sourceId !== UNROUTED_SOURCE_ID) return;
          count('tiktok_unrouted');
          logger.warn('tiktok lead matches no source: queued as unrouted', {
            channel: 'tiktok',
            leadId: envelope.id,
            advertiserId: envelope.context['tiktok.advertiser_id'],
          });
        },
      });
      return withLogFields(json(200, {}), {
        channel: 'tiktok',
        leadId: envelopes.length === 1 ? envelopes[0]?.id : undefined,
        leads: envelopes.length,
      });
    },
  };
}

type Entry = Record<string, unknown> & { id: string };

function parseEntries(body: Buffer): Entry[] {
  const parsed = readJsonObject(
    body,
    'The body is not valid UTF-8 JSON.',
    'The body must be a JSON object with an entry list.',
  );
  const entries = parsed.entry;
  if (!Array.isArray(entries)) throw badRequest('malformed_body', 'The notification has no entry list.');
  if (entries.length > TIKTOK_MAX_LEADS_PER_NOTIFICATION)
    throw tooManyLeads(TIKTOK_MAX_LEADS_PER_NOTIFICATION);
  return entries.map((entry, index) => {
    const id =
      entry !== null && typeof entry === 'object' ? idString((entry as { id?: unknown }).id) : undefined;
    if (!id) throw badRequest('malformed_body', `entry[${index}] has no lead id.`);
    return { ...(entry as Record<string, unknown>), id };
  });
}

/**
 * Reads one TikTok `entry` as capture queues it: input fields from `changes[]` (repeated fields →
 * lists) and the `$` context (`tiktok.*`, `source`, `receivedAt`). Shared with tools that preview a
 * source's mapping on a sample payload.
 *
 * @example
 * const { fields, context } = tiktokEntryInput(notification.entry[0], 'tiktok-spring', receivedAt);
 * context['tiktok.lead_id']; // '7301234567890123457'
 */
export function tiktokEntryInput(
  entry: Record<string, unknown>,
  sourceId: string,
  receivedAt: string,
): LeadInput {
  const fields = changeFields(entry.changes);
  const context = requestContext({ sourceId, receivedAt }, fields);
  const leadId = idString(entry.id);
  if (leadId) context['tiktok.lead_id'] = leadId;
  for (const key of contextKeys) {
    const value = idString(entry[key]);
    if (value) context[`tiktok.${key}`] = value.slice(0, 512);
  }
  return { fields, context };
}

function entryEnvelope(entry: Entry, sources: SourceRegistry, receivedAt: string): Envelope {
  const source = tiktokSourceFor(sources, idString(entry.advertiser_id));
  const sourceId = source?.id ?? UNROUTED_SOURCE_ID;
  const { fields, context } = tiktokEntryInput(entry, sourceId, receivedAt);
  return newEnvelope({
    sourceId,
    channel: 'tiktok',
    receivedAt,
    fields,
    context,
    dedupeKey: `tiktok:${entry.id}`,
  });
}

/** `changes[]` as input fields: `field` → `value` (scalars as strings); repeated fields become lists. */
function changeFields(changes: unknown): InputFields {
  const fields: InputFields = Object.create(null);
  if (!Array.isArray(changes)) return fields;
  if (changes.length > limits.maxFields) {
    throw badRequest('too_many_fields', `A lead may carry at most ${limits.maxFields} fields.`);
  }
  for (const change of changes) {
    if (change === null || typeof change !== 'object') continue;
    const { field: name, value } = change as { field?: unknown; value?: unknown };
    if (typeof name !== 'string' || name === '' || name.length > limits.maxFieldNameLength) continue;
    const values = (Array.isArray(value) ? value : [value])
      .map((item) => (typeof item === 'boolean' ? String(item) : idString(item)))
      .filter((item): item is string => item !== undefined)
      .map((item) => item.slice(0, limits.maxFieldValueLength));
    for (const item of values) {
      const existing = fields[name];
      if (existing === undefined) fields[name] = item;
      else if (typeof existing === 'string') fields[name] = [existing, item];
      else if (existing.length < limits.maxValuesPerField) existing.push(item);
    }
  }
  return fields;
}
