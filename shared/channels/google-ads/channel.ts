import type { CaptureChannel, ChannelDeps } from '#shared/channels/channel.ts';
import { requestContext } from '#shared/channels/common/context.ts';
import { enqueue, newEnvelope } from '#shared/channels/common/enqueue.ts';
import type { InputFields, LeadInput } from '#shared/envelope.ts';
import { badRequest, HttpError, payloadTooLarge } from '#shared/http/errors.ts';
import { limits } from '#shared/http/limits.ts';
import type { HttpRequest } from '#shared/http/request.ts';
import { type HttpResult, json, withLogFields } from '#shared/http/response.ts';
import { idString, readJsonObject } from '#shared/json.ts';
import { secretsEqual, secretValues } from '#shared/security/signatures.ts';
import type { Source } from '#shared/sources/schema.ts';
import { count, logger } from '#shared/telemetry.ts';

type GoogleAdsSource = Source & { googleAds: NonNullable<Source['googleAds']> };

/** The notification's ids and facts that become `$google.<name>` context values. */
const contextKeys = [
  'lead_id',
  'campaign_id',
  'form_id',
  'adgroup_id',
  'creative_id',
  'asset_group_id',
  'gcl_id',
  'lead_submit_time',
  'lead_stage',
  'api_version',
] as const;

/**
 * The Google Ads lead form webhook: `POST /v1/webhooks/google-ads/{sourceId}`.
 * verify (`google_key` against the source's secret `googleAds.key`, in constant time) → parse (int64
 * ids kept as exact strings, unknown fields ignored) → normalise (input fields keyed by `column_id`,
 * `$google.*` and `$click.gclid` context, dedupe key `google-ads:<sourceId>:<lead_id>`: a lead id is
 * only unique within a form, and one source must never dedupe another's leads) → enqueue → 200 `{}`.
 * Test leads (`is_test: true`) are delivered marked `test`, or dropped when `googleAds.testLeads` is
 * `drop`. Rejections use Google's shape `{"message": "..."}`: 4xx are not retried by Google (bad key,
 * malformed, unknown source), 5xx are (queue or secrets unavailable, source misconfigured).
 *
 * @example
 * const googleAds = googleAdsChannel({ sources, queue, secrets });
 * const result = await googleAds.capture(readRequest(event)); // 200 {} once the lead is queued
 */
export function googleAdsChannel(deps: ChannelDeps): CaptureChannel {
  const now = deps.now ?? (() => new Date());

  const checkKey = async (source: Source, given: unknown): Promise<GoogleAdsSource> => {
    const keyName = source.googleAds?.key;
    if (!keyName) {
      logger.error('google-ads source has no googleAds.key: lead refused with 503', { sourceId: source.id });
      throw notConfigured();
    }
    const [expected] = await secretValues(deps.secrets, [keyName], source.id);
    if (expected === undefined) throw notConfigured();
    if (typeof given !== 'string' || given === '' || !secretsEqual(given, expected)) {
      throw new HttpError(403, 'invalid_google_key', 'The google_key does not match this lead form.');
    }
    return source as GoogleAdsSource;
  };

  return {
    async capture(request: HttpRequest): Promise<HttpResult> {
      const sourceId = (request.pathParameters.sourceId ?? '').slice(0, 100);
      const configured = deps.sources.get(sourceId);
      if (configured?.channel !== 'google-ads') {
        throw new HttpError(404, 'unknown_source', 'No Google Ads lead source is configured at this URL.');
      }
      if (request.body.length > limits.maxBodyBytes) throw payloadTooLarge(limits.maxBodyBytes);
      const payload = parsePayload(request.body);
      const source = await checkKey(configured, payload.google_key);
      const leadId = idString(payload.lead_id);
      if (!leadId) throw badRequest('malformed_body', 'The lead has no lead_id.');
      const receivedAt = now().toISOString();
      const { fields, context, test } = googleAdsInput(payload, source.id, receivedAt);
      if (test && source.googleAds.testLeads === 'drop') {
        count('google_ads_test_dropped');
        return withLogFields(json(200, {}), { channel: 'google-ads', test: true, dropped: 'test_lead' });
      }
      const envelope = newEnvelope({
        sourceId: source.id,
        channel: 'google-ads',
        receivedAt,
        fields,
        context,
        dedupeKey: `google-ads:${source.id}:${leadId}`,
        ...(test ? { test: true } : {}),
      });
      await enqueue(deps.queue, envelope);
      return withLogFields(json(200, {}), {
        channel: 'google-ads',
        leadId: envelope.id,
        ...(test ? { test: true } : {}),
      });
    },
  };
}

/**
 * Reads a Google Ads lead (the parsed webhook body) as capture queues it: input fields keyed by
 * `column_id` (else `column_name`), the `$` context (`google.*`, `click.gclid`, `source`, `receivedAt`)
 * and whether it is a test lead. Throws `400 malformed_body` when `user_column_data` is not a list.
 * Shared with tools that preview a source's mapping on a sample payload.
 *
 * @example
 * const { fields, context } = googleAdsInput(parseJsonExact(text) as Record<string, unknown>, 'gads', at);
 * fields.EMAIL; // 'test@example.com'
 */
export function googleAdsInput(
  payload: Record<string, unknown>,
  sourceId: string,
  receivedAt: string,
): LeadInput & { test: boolean } {
  const fields = columnFields(payload.user_column_data);
  const context = googleContext(payload, requestContext({ sourceId, receivedAt }, fields));
  return { fields, context, test: payload.is_test === true || payload.is_test === 'true' };
}

function notConfigured(): HttpError {
  return new HttpError(503, 'not_configured', 'This lead form cannot be verified right now. Please retry.', {
    headers: { 'retry-after': '60' },
  });
}

function parsePayload(body: Buffer): Record<string, unknown> {
  return readJsonObject(
    body,
    'The body is not valid UTF-8 JSON.',
    'The body must be a JSON object (a Google Ads lead).',
  );
}

/**
 * `user_column_data[]` as input fields: keyed by `column_id` (FULL_NAME, EMAIL, a custom question's
 * own id), by `column_name` only when `column_id` is absent; a repeated key becomes a list.
 */
function columnFields(columns: unknown): InputFields {
  if (columns === undefined || columns === null) return Object.create(null);
  if (!Array.isArray(columns)) throw badRequest('malformed_body', 'user_column_data must be a list.');
  const pairs: [string, string][] = [];
  for (const column of columns) {
    if (column === null || typeof column !== 'object') continue;
    const { column_id: id, column_name: name, string_value: value } = column as Record<string, unknown>;
    const key = typeof id === 'string' && id !== '' ? id : typeof name === 'string' ? name : '';
    const text = typeof value === 'string' ? value : idString(value);
    if (key !== '' && text !== undefined) pairs.push([key, text]);
  }
  return collectFields(pairs);
}

/**
 * Name/value pairs as input fields (repeated names → lists). A lead is never refused for an overlong
 * answer (Google would not retry it): values are cut at the value limit, absurd names skipped.
 */
function collectFields(pairs: [string, string][]): InputFields {
  if (pairs.length > limits.maxFields) {
    throw badRequest('too_many_fields', `A lead may carry at most ${limits.maxFields} fields.`);
  }
  const fields: InputFields = Object.create(null);
  for (const [name, raw] of pairs) {
    if (name.length > limits.maxFieldNameLength) continue;
    const value = raw.slice(0, limits.maxFieldValueLength);
    const existing = fields[name];
    if (existing === undefined) fields[name] = value;
    else if (typeof existing === 'string') fields[name] = [existing, value];
    else existing.push(value);
  }
  return fields;
}

function googleContext(
  payload: Record<string, unknown>,
  base: Record<string, string>,
): Record<string, string> {
  const context = { ...base };
  for (const key of contextKeys) {
    const value = idString(payload[key]);
    if (value) context[`google.${key}`] = value.slice(0, 512);
  }
  const gclid = context['google.gcl_id'];
  if (gclid) context['click.gclid'] = gclid;
  return context;
}
