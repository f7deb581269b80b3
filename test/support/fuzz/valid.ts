import fc from 'fast-check';
import { withGoogleKey } from '#shared/channels/google-ads/key.ts';
import {
  linkedin as linkedinChannel,
  meta as metaChannel,
  partner as partnerChannel,
  signedHeaders,
  tiktok as tiktokChannel,
} from '#shared/channels/index.ts';
import { signed } from '#test/support/fuzz/auth.ts';
import { contractRoutes, type FuzzRequest, type RouteName } from '#test/support/fuzz/requests.ts';
import { fuzzIds, fuzzSecrets } from '#test/support/fuzz/sources.ts';

/**
 * Requests the HTTP contract must accept: well-formed payloads of each sender that authenticates
 * (random, but what the vendor sends), with what a correct answer is: the status, and how many
 * leads it queues. `test/unit/functions/capture.valid.fuzz.test.ts` sends them signed, unsigned and
 * signed with another secret.
 */

export interface ValidRequest {
  request: FuzzRequest;
  /** The status of the accepting answer. */
  status: number;
  /** How many leads the request queues. */
  leads: number;
}

export type AuthenticatedRoute = 'meta' | 'linkedin' | 'tiktok' | 'partner' | 'google-ads';

const digits = (min: number, max: number) =>
  fc.stringMatching(new RegExp(`^[1-9][0-9]{${min - 1},${max - 1}}$`));
const word = fc.stringMatching(/^[A-Z][a-zà-ÿ]{1,14}$/);
const fullName = fc.tuple(word, word).map(([first, last]) => `${first} ${last}`);
const email = fc.tuple(word, word).map(([a, b]) => `${a}.${b}@example.test`.toLowerCase());

function request(route: AuthenticatedRoute, body: string, headers: Record<string, string>): FuzzRequest {
  const spec = contractRoutes[route];
  const sourceId = spec.sourceIds?.[0];
  return {
    route: route as RouteName,
    method: spec.method,
    routeKey: spec.routeKey,
    path: spec.path(sourceId ?? ''),
    pathParameters: sourceId ? { sourceId } : {},
    headers: { 'content-type': 'application/json', ...headers },
    query: {},
    body: Buffer.from(body),
    base64: false,
  };
}

/** A leadgen notification: 1–3 entries of 1–3 distinct leads of the fuzz page (or another page). */
const meta = fc
  .array(
    fc.record({
      page: fc.constantFrom(fuzzIds.page, '204345678901234'),
      leads: fc.uniqueArray(digits(15, 19), { minLength: 1, maxLength: 3 }),
      time: fc.integer({ min: 1_500_000_000, max: 1_900_000_000 }),
    }),
    { minLength: 1, maxLength: 3 },
  )
  .filter(
    (entries) =>
      new Set(entries.flatMap((entry) => entry.leads)).size === entries.flatMap((e) => e.leads).length,
  )
  .map((entries) => {
    const body = JSON.stringify({
      object: 'page',
      entry: entries.map(({ page, leads, time }) => ({
        id: page,
        time,
        changes: leads.map((leadgen_id) => ({
          field: 'leadgen',
          value: { leadgen_id, page_id: page, form_id: fuzzIds.form, created_time: time },
        })),
      })),
    });
    return { body, status: 200, leads: entries.flatMap((entry) => entry.leads).length };
  });

/** A LEAD_ACTION notification of a created lead (LinkedIn response ids: UUID-like with a suffix). */
const linkedin = fc
  .record({
    id: fc.uuid({ version: 4 }),
    suffix: fc.integer({ min: 1, max: 9 }),
    at: fc.integer({ min: 1e12, max: 2e12 }),
  })
  .map(({ id, suffix, at }) => ({
    body: JSON.stringify({
      type: 'LEAD_ACTION',
      leadGenFormResponse: `urn:li:leadFormResponse:${id}-${suffix}`,
      leadGenForm: `urn:li:versionedLeadGenForm:(urn:li:leadGenForm:${fuzzIds.linkedinForm},1)`,
      owner: { sponsoredAccount: 'urn:li:sponsoredAccount:522529623' },
      leadType: 'SPONSORED',
      leadAction: 'CREATED',
      occurredAt: at,
    }),
    status: 202,
    leads: 1,
  }));

/** A TikTok lead notification: 1–3 leads of the fuzz advertiser, each with a name and an e-mail. */
const tiktok = fc
  .uniqueArray(fc.record({ id: digits(16, 19), name: fullName, email }), {
    minLength: 1,
    maxLength: 3,
    selector: (lead) => lead.id,
  })
  .map((leads) => ({
    body: JSON.stringify({
      entry: leads.map((lead) => ({
        id: lead.id,
        advertiser_id: fuzzIds.advertiser,
        campaign_id: '1800000000000001',
        ad_id: '1800000000000002',
        create_time: 1714644421,
        changes: [
          { field: 'name', value: lead.name },
          { field: 'email', value: lead.email },
        ],
      })),
    }),
    status: 200,
    leads: leads.length,
  }));

/** A partner lead: a name (the source requires last_name) and maybe an e-mail and its own id. */
const partnerLead = fc.record(
  { first_name: word, last_name: word, email, ref: digits(3, 12) },
  { requiredKeys: ['last_name'] },
);
const partner = partnerLead.map((lead) => ({ body: JSON.stringify(lead), status: 202, leads: 1 }));

/** A Google Ads lead form lead with the source's key. */
const googleAds = fc.record({ id: digits(8, 20), name: fullName, email }).map(({ id, name, email }) => ({
  body: JSON.stringify(
    withGoogleKey(
      {
        lead_id: id,
        api_version: '1.0',
        form_id: 1234567890,
        campaign_id: 9876543210,
        user_column_data: [
          { column_id: 'FULL_NAME', string_value: name },
          { column_id: 'EMAIL', string_value: email },
        ],
      },
      fuzzSecrets.FZ_GOOGLE_KEY,
    ),
  ),
  status: 200,
  leads: 1,
}));

/** How a correctly authenticated request of `route` is made (headers for `body`). */
function authenticate(route: AuthenticatedRoute, body: Buffer): Record<string, string> {
  switch (route) {
    case 'partner':
      return signed('partner', body);
    case 'google-ads':
      return {}; // the key is inside the body
    default:
      return signed(route, body);
  }
}

/** Valid, correctly authenticated requests of `route`, with the answer they must get. */
export function validRequest(route: AuthenticatedRoute): fc.Arbitrary<ValidRequest> {
  const payloads = { meta, linkedin, tiktok, partner, 'google-ads': googleAds }[route];
  return payloads.map(({ body, status, leads }) => ({
    request: request(route, body, authenticate(route, Buffer.from(body))),
    status,
    leads,
  }));
}

/**
 * The same request made by someone without the secret: no authentication at all, or signed with
 * another secret (for Google Ads: another key in the body).
 */
export function forged(valid: ValidRequest, how: 'unsigned' | 'other-secret'): FuzzRequest {
  const { request: original } = valid;
  const route = original.route as AuthenticatedRoute;
  if (route === 'google-ads') {
    const lead = JSON.parse(original.body.toString());
    if (how === 'unsigned') delete lead.google_key;
    else lead.google_key = `${fuzzSecrets.FZ_GOOGLE_KEY}-other`;
    return { ...original, body: Buffer.from(JSON.stringify(lead)) };
  }
  const headers = { 'content-type': 'application/json' };
  if (how === 'unsigned') return { ...original, headers };
  const channel = {
    meta: metaChannel,
    linkedin: linkedinChannel,
    tiktok: tiktokChannel,
    partner: partnerChannel,
  }[route];
  const otherSecret =
    route === 'partner'
      ? `whsec_${Buffer.from('another-signing-secret-24-bytes').toString('base64')}`
      : 'another-secret';
  const now = Math.floor(Date.now() / 1000);
  return {
    ...original,
    headers: { ...headers, ...signedHeaders(channel, otherSecret, original.body, now, 'msg_forged') },
  };
}
