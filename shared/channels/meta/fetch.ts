import type { LeadResolver } from '#shared/channels/channel.ts';
import { failed, fetchFailure, scrubbed } from '#shared/channels/common/fetch.ts';
import { META_APP_SECRET } from '#shared/channels/meta/channel.ts';
import type { InputFields } from '#shared/envelope.ts';
import { requireHttpsOrLoopback } from '#shared/http/outbound.ts';
import { idString, isRecord, safeJson } from '#shared/json.ts';
import { type DeliveryOutcome, parseRetryAfter } from '#shared/onpipeline/outcome.ts';
import type { SecretStore } from '#shared/security/secrets.ts';
import { hmacSha256Hex } from '#shared/security/signatures.ts';

export const DEFAULT_GRAPH_URL = 'https://graph.facebook.com';
export const DEFAULT_GRAPH_VERSION = 'v23.0';
/** The lead fields deliver asks Graph for (without `fields=`: only id, created_time and field_data). */
export const META_LEAD_FIELDS =
  'id,created_time,field_data,ad_id,adset_id,campaign_id,form_id,is_organic,platform';

export interface MetaResolverOptions {
  /** Graph base URL; default https://graph.facebook.com (plain http only on loopback: the fake). */
  graphUrl?: string;
  /** Graph API version, `v<major>.<minor>`; default {@link DEFAULT_GRAPH_VERSION}. */
  graphVersion?: string;
  /** Page tokens by the name in the source's `meta.pageToken`; `META_APP_SECRET` for appsecret_proof. */
  secrets: SecretStore;
  /** Per-request timeout; default 10 s. */
  timeoutMs?: number;
}

/** Graph error codes of rate limits (app, user, page, ads, business use case). */
const RATE_LIMIT_CODES = new Set([4, 17, 32, 341, 613]);

/**
 * Deliver-side fetch of a Meta lead: `GET {graphUrl}/{version}/{leadgen_id}?fields=…` with the page
 * token named by the source (`meta.pageToken`) as `Authorization: Bearer`, plus `appsecret_proof` when
 * `META_APP_SECRET` is set. `field_data` becomes the input fields (`name` → values joined with ', ');
 * campaign, ad, form, organic flag, platform and creation time become `meta.*` context.
 * The token travels in the Authorization header (RFC 6750 §2.1), never in the URL, no redirect is
 * followed (one would be a configuration failure), and it never appears in a message or log.
 *
 * @example
 * const resolvers = { meta: metaResolver({ secrets, graphUrl: DEFAULT_GRAPH_URL, graphVersion: 'v23.0' }) };
 */
export function metaResolver(options: MetaResolverOptions): LeadResolver {
  const base = requireHttpsOrLoopback(options.graphUrl ?? DEFAULT_GRAPH_URL, 'Graph URL');
  const version = options.graphVersion ?? DEFAULT_GRAPH_VERSION;
  if (!/^v\d+\.\d+$/.test(version)) throw new Error(`Graph version must look like v23.0: ${version}`);
  const timeoutMs = options.timeoutMs ?? 10_000;
  const root = base.href.endsWith('/') ? base.href : `${base.href}/`;

  return async (envelope, source) => {
    const leadId = envelope.fetch?.id ?? '';
    if (!/^\d{1,30}$/.test(leadId)) {
      return failed({
        kind: 'permanent',
        reason: 'invalid_envelope',
        message: 'no Meta leadgen id to fetch',
      });
    }
    const tokenName = source.meta?.pageToken;
    if (!tokenName) {
      return failed({ kind: 'configuration', message: `source ${source.id} has no meta.pageToken` });
    }
    let token: string | undefined;
    let appSecret: string | undefined;
    try {
      [token, appSecret] = await Promise.all([
        options.secrets.get(tokenName),
        options.secrets.get(META_APP_SECRET),
      ]);
    } catch (error) {
      return failed({
        kind: 'transient',
        ambiguous: false,
        message: `secrets unavailable (${error instanceof Error ? error.name : 'unknown'})`,
      });
    }
    if (!token) {
      return failed({ kind: 'configuration', message: `Meta page token secret ${tokenName} is not set` });
    }
    const url = new URL(`${version}/${leadId}`, root);
    url.searchParams.set('fields', META_LEAD_FIELDS);
    const proof = appSecret ? hmacSha256Hex(appSecret, token) : undefined;
    if (proof) url.searchParams.set('appsecret_proof', proof);
    const hide = proof ? [token, proof] : [token];

    let response: Response;
    let text: string;
    try {
      // The token goes in the Authorization header, never the URL (URLs end up in proxies' and
      // libraries' logs); no redirect is followed, so it is never resent to another host.
      response = await fetch(url, {
        headers: { accept: 'application/json', authorization: `Bearer ${token}` },
        redirect: 'error',
        signal: AbortSignal.timeout(timeoutMs),
      });
      text = scrubbed(await response.text(), hide);
    } catch (error) {
      return failed(fetchFailure('Graph', error, timeoutMs));
    }
    const body = safeJson(text);
    if (!response.ok) {
      return failed(
        classifyGraphError(response.status, body, {
          retryAfter: response.headers.get('retry-after'),
          businessUseCase: response.headers.get('x-business-use-case-usage'),
        }),
      );
    }
    if (!isRecord(body) || !Array.isArray(body.field_data)) {
      return failed({
        kind: 'transient',
        ambiguous: false,
        message: 'unexpected Graph answer (no field_data)',
      });
    }
    return { ok: true, fields: metaLeadFields(body.field_data), context: metaLeadContext(body, source.id) };
  };
}

/**
 * Graph's `field_data` as input fields: each `name` → its values joined with ', ' (a single answer
 * stays as it is). Entries without a name are skipped; names such as `__proto__` are kept safely.
 *
 * @example
 * metaLeadFields([{ name: 'email', values: ['a@x.test'] }, { name: 'topics', values: ['A', 'B'] }]);
 * // { email: 'a@x.test', topics: 'A, B' }
 */
export function metaLeadFields(fieldData: unknown[]): InputFields {
  const fields: InputFields = Object.create(null);
  for (const item of fieldData) {
    if (!isRecord(item) || typeof item.name !== 'string' || item.name === '') continue;
    // Graph sends a list; a lone value is taken as a list of one rather than dropped
    const values = Array.isArray(item.values) ? item.values : [item.values];
    fields[item.name] = values
      .filter((value) => value !== null && value !== undefined)
      .map(String)
      .join(', ');
  }
  return fields;
}

/**
 * Classifies a Graph API error answer (`{"error":{"message","type","code","error_subcode",…}}`):
 * - code 100 with subcode 33 (the lead does not exist or was deleted), or HTTP 404 → `permanent`
 *   `lead_not_found`;
 * - code 190 (token expired or invalid), 102, 10 or 200–299 (permissions) → `configuration`;
 * - rate limits (4, 17, 32, 341, 613, 80000–80099), codes 1 and 2, `is_transient`, 429 and 5xx →
 *   `transient`, with the wait from `Retry-After` or the business-use-case header when given;
 * - any other 4xx (our request is wrong) → `permanent` `graph_rejected`, to redrive after a fix.
 *
 * @example
 * classifyGraphError(400, { error: { code: 190, error_subcode: 463, message: 'Session has expired' } });
 * // { kind: 'configuration', status: 400, message: 'Graph error 190/463 …' }
 */
export function classifyGraphError(
  status: number,
  body: unknown,
  headers: { retryAfter?: string | null; businessUseCase?: string | null } = {},
): DeliveryOutcome {
  const error = isRecord(body) && isRecord(body.error) ? body.error : undefined;
  const code = typeof error?.code === 'number' ? error.code : undefined;
  const subcode = typeof error?.error_subcode === 'number' ? error.error_subcode : undefined;
  const type = typeof error?.type === 'string' ? ` (${error.type})` : '';
  const text = typeof error?.message === 'string' ? `: ${error.message}` : '';
  const message = (
    code === undefined
      ? `Graph answered HTTP ${status}`
      : `Graph error ${code}${subcode === undefined ? '' : `/${subcode}`}${type}${text}`
  ).slice(0, 300);
  if ((code === 100 && subcode === 33) || (code === undefined && status === 404)) {
    return { kind: 'permanent', status, reason: 'lead_not_found', message };
  }
  if (code === 190 || code === 102 || code === 10 || (code !== undefined && code >= 200 && code <= 299)) {
    return { kind: 'configuration', status, message };
  }
  const rateLimited = code !== undefined && (RATE_LIMIT_CODES.has(code) || (code >= 80000 && code <= 80099));
  if (
    rateLimited ||
    code === 1 ||
    code === 2 ||
    error?.is_transient === true ||
    status === 429 ||
    status >= 500
  ) {
    const retryAfterSeconds =
      parseRetryAfter(headers.retryAfter) ?? regainAccessSeconds(headers.businessUseCase);
    return {
      kind: 'transient',
      status,
      message,
      ambiguous: false,
      ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }),
    };
  }
  if (code === undefined && (status === 401 || status === 403)) {
    return { kind: 'configuration', status, message };
  }
  return { kind: 'permanent', status, reason: 'graph_rejected', message };
}

/** `X-Business-Use-Case-Usage` (`{"<id>":[{"estimated_time_to_regain_access": <minutes>}]}`) → seconds. */
function regainAccessSeconds(header: string | null | undefined): number | undefined {
  const usage = header ? safeJson(header) : undefined;
  if (!isRecord(usage)) return undefined;
  let minutes: number | undefined;
  for (const entries of Object.values(usage)) {
    for (const entry of Array.isArray(entries) ? entries : []) {
      const value = isRecord(entry) ? entry.estimated_time_to_regain_access : undefined;
      if (typeof value === 'number' && value > 0) minutes = Math.max(minutes ?? 0, value);
    }
  }
  return minutes === undefined ? undefined : minutes * 60;
}

/**
 * A fetched lead's context: its ids (campaign, ad set, ad, form), platform, `is_organic` and
 * `created_time` (ISO 8601), under `meta.`. The preview reads sample leads with it too.
 *
 * @example
 * metaLeadContext({ form_id: '55', is_organic: false }, 'meta-spring');
 * // { source: 'meta-spring', 'meta.form_id': '55', 'meta.is_organic': 'false' }
 */
export function metaLeadContext(lead: Record<string, unknown>, sourceId: string): Record<string, string> {
  const context: Record<string, string> = { source: sourceId };
  const ids: [string, unknown][] = [
    ['meta.campaign_id', lead.campaign_id],
    ['meta.adset_id', lead.adset_id],
    ['meta.ad_id', lead.ad_id],
    ['meta.form_id', lead.form_id],
    ['meta.platform', lead.platform],
  ];
  for (const [key, value] of ids) {
    const text = idString(value);
    if (text !== undefined) context[key] = text;
  }
  if (typeof lead.is_organic === 'boolean') context['meta.is_organic'] = String(lead.is_organic);
  if (typeof lead.created_time === 'string') {
    const time = Date.parse(lead.created_time);
    context['meta.created_time'] = Number.isNaN(time) ? lead.created_time : new Date(time).toISOString();
  }
  return context;
}
