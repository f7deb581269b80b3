import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onTestFinished } from 'vitest';
import type { Channel, ChannelDeps } from '#shared/channels/channel.ts';
import { errorAnswer, partner, signedHeaders, tiktok } from '#shared/channels/index.ts';
import type { Envelope } from '#shared/envelope.ts';
import { HttpError } from '#shared/http/errors.ts';
import { renderHttpError } from '#shared/http/middleware.ts';
import type { HttpRequest } from '#shared/http/request.ts';
import type { HttpResult } from '#shared/http/response.ts';
import type { RouteKey } from '#shared/http/routes.ts';
import type { LeadQueue } from '#shared/queue/client.ts';
import { type SecretStore, secretStore } from '#shared/security/secrets.ts';
import { sourceRegistry } from '#shared/sources/registry.ts';

/** Ids longer than 2^53, as ad networks send them (JSON numbers that `JSON.parse` would round). */
export const bigIds = {
  lead: '7301234567890123457',
  campaign: '1234567890123456789',
  form: '9223372036854775806',
  adgroup: '2345678901234567891',
  creative: '3456789012345678912',
  advertiser: '7000000000000000001',
  page: '7100000000000000003',
  ad: '1784567890123456789',
} as const;

/** A queue that records what the channel enqueued; `failing()` makes every enqueue throw. */
/**
 * A channel's handlers answering as capture does: a thrown `HttpError` is rendered (and counted) by
 * the same function `httpErrors()` uses, as the channel declares; anything else is thrown.
 *
 * @example
 * const tiktok = answering(tiktokDescriptor, tiktokChannel(deps));
 * (await tiktok.capture(request)).statusCode; // 401 for a bad signature
 */
export function answering<T extends object>(channel: Channel, handlers: T): T {
  const answer = errorAnswer(channel);
  const wrapped = Object.entries(handlers).map(([name, handle]) => [
    name,
    async (request: HttpRequest): Promise<HttpResult> => {
      try {
        return await (handle as (request: HttpRequest) => Promise<HttpResult>)(request);
      } catch (error) {
        if (error instanceof HttpError) return renderHttpError(error, answer);
        throw error;
      }
    },
  ]);
  return Object.fromEntries(wrapped) as T;
}

export function recordingQueue() {
  const enqueued: Envelope[] = [];
  let fail = false;
  const queue: LeadQueue = {
    async enqueue(envelope) {
      if (fail) throw new Error('queue down');
      enqueued.push(structuredClone(envelope));
    },
    async deadLetter() {},
    async delay() {},
  };
  return {
    queue,
    enqueued,
    failing() {
      fail = true;
    },
  };
}

/** A source registry over temporary YAML files (`id → yaml`), plus its cleanup. */
export function sourcesFrom(files: Record<string, string>) {
  const dir = mkdtempSync(join(tmpdir(), 'leadgate-sources-'));
  for (const [id, yaml] of Object.entries(files)) writeFileSync(join(dir, `${id}.yaml`), yaml);
  return { sources: sourceRegistry(dir), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Channel dependencies over temp sources, a recording queue and fixed secrets. */
export function channelDeps(
  files: Record<string, string>,
  secrets: Record<string, string>,
  now?: () => Date,
) {
  const { sources, cleanup } = sourcesFrom(files);
  const recording = recordingQueue();
  const deps: ChannelDeps = {
    sources,
    queue: recording.queue,
    secrets: secretStore(async () => secrets),
    ...(now ? { now } : {}),
  };
  return { deps, ...recording, cleanup };
}

/** An HTTP request as `readRequest` builds it (lower-case headers, raw body bytes). */
export function httpRequest(options: {
  path: string;
  body: string | Buffer;
  headers?: Record<string, string>;
  pathParameters?: Record<string, string>;
  query?: Record<string, string>;
}): HttpRequest {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(options.headers ?? {})) headers[name.toLowerCase()] = value;
  return {
    method: 'POST',
    path: options.path,
    headers,
    query: options.query ?? {},
    pathParameters: options.pathParameters ?? {},
    body: Buffer.isBuffer(options.body) ? options.body : Buffer.from(options.body),
    ip: '203.0.113.9',
    userAgent: headers['user-agent'],
  };
}

/** The parsed JSON body of a result. */
export function bodyOf<T = Record<string, unknown>>(result: HttpResult): T {
  return JSON.parse(String(result.body)) as T;
}

/** JSON text with the named properties written as bare numbers (`"id":"7301…"` → `"id":7301…`). */
export function withNumericIds(value: unknown, keys: readonly string[]): string {
  let text = JSON.stringify(value);
  for (const key of keys) text = text.replaceAll(new RegExp(`"${key}":"(\\d+)"`, 'g'), `"${key}":$1`);
  return text;
}

/**
 * Google's documented test payload ("Send test data": `is_test: true`), with 19-digit ids sent as JSON
 * numbers; `overrides` replace top-level properties (`undefined` removes one).
 */
export function googleAdsLead(overrides: Record<string, unknown> = {}): string {
  const lead: Record<string, unknown> = {
    lead_id: bigIds.lead,
    user_column_data: [
      { column_name: 'Full Name', string_value: 'FirstName LastName', column_id: 'FULL_NAME' },
      { column_name: 'User Phone', string_value: '+16505550123', column_id: 'PHONE_NUMBER' },
      { column_name: 'User Email', string_value: 'test@example.com', column_id: 'EMAIL' },
      { column_name: 'Company Name', string_value: 'dummy_value', column_id: 'COMPANY_NAME' },
    ],
    api_version: '1.0',
    form_id: bigIds.form,
    campaign_id: bigIds.campaign,
    google_key: 'google-key-secret',
    is_test: true,
    gcl_id: 'TeSter-123-ABCDEFGHIJKLMNOPQRSTUVWXYZ-abcdefghijklmnopqrstuvwxyz-0123456789-AaBbCcDdEe',
    adgroup_id: bigIds.adgroup,
    creative_id: bigIds.creative,
    lead_submit_time: '2024-05-02T10:07:01Z',
    ...overrides,
  };
  return withNumericIds(lead, [
    'lead_id',
    'form_id',
    'campaign_id',
    'adgroup_id',
    'creative_id',
    'asset_group_id',
  ]);
}

export interface TiktokEntryOptions {
  id?: string;
  advertiserId?: string;
  changes?: { field: string; value: unknown }[];
}

/** TikTok's lead notification (`object`, `entry[]` with `changes[]`), 19-digit ids as JSON numbers. */
export function tiktokNotification(entries: TiktokEntryOptions[] = [{}]): string {
  const notification = {
    object: 1,
    entry: entries.map((entry, index) => ({
      id: entry.id ?? `730123456789012${String(3456 + index)}`,
      page_id: bigIds.page,
      advertiser_id: entry.advertiserId ?? bigIds.advertiser,
      campaign_id: bigIds.campaign,
      adgroup_id: bigIds.adgroup,
      ad_id: bigIds.ad,
      create_time: 1714644421,
      changes: entry.changes ?? [
        { field: 'name', value: 'Jane Doe' },
        { field: 'email', value: 'jane.doe@example.com' },
        { field: 'phone_number', value: '+34600000000' },
        { field: 'interests', value: 'Pricing' },
        { field: 'interests', value: 'Demo' },
      ],
    })),
    time: 1714644422,
  };
  return withNumericIds(notification, [
    'id',
    'page_id',
    'advertiser_id',
    'campaign_id',
    'adgroup_id',
    'ad_id',
  ]);
}

/**
 * The handler `channel` serves `key` with (its registry route factory over `deps`), answering as
 * capture does (`answering`).
 *
 * @example
 * await routeOf(meta, 'POST /v1/webhooks/meta', deps)(request); // 401 for a bad signature
 */
export function routeOf(channel: Channel, key: RouteKey, deps: ChannelDeps) {
  const factory = channel.routes[key];
  if (!factory) throw new Error(`the ${channel.name} channel does not serve ${key}`);
  return answering(channel, { handle: factory(deps) }).handle;
}

/**
 * One of `channel`'s POST routes as the registry builds it, over `sources` (YAML by id, removed when
 * the test finishes), `secrets` and a clock at `now`: `post` sends a JSON body with the given headers
 * to the route's path (`{name}` filled from `pathParameters`) and answers as capture does.
 *
 * @example
 * const { post, enqueued } = postingTo(meta, 'POST /v1/webhooks/meta', { secrets: { META_APP_SECRET: 's' } });
 * (await post(body, signedHeaders(meta, 's', body))).statusCode; // 200
 */
export function postingTo(
  channel: Channel,
  key: RouteKey,
  options: {
    secrets: Record<string, string>;
    sources?: Record<string, string>;
    pathParameters?: Record<string, string>;
    now?: Date;
  },
) {
  const { now, pathParameters = {} } = options;
  const made = channelDeps(options.sources ?? {}, options.secrets, now ? () => now : undefined);
  onTestFinished(made.cleanup);
  const handle = routeOf(channel, key, made.deps);
  const path = key
    .slice(key.indexOf(' ') + 1)
    .replace(/\{(\w+)\}/g, (_, name: string) => pathParameters[name] ?? '');
  const post = (body: string, headers: Record<string, string> = {}) =>
    handle(
      httpRequest({
        path,
        pathParameters,
        headers: { 'content-type': 'application/json', ...headers },
        body,
      }),
    );
  return { post, enqueued: made.enqueued };
}

/** The `TikTok-Signature` TikTok sends for `body` at `timestamp` (the channel's `sign`). */
export function tiktokSignature(appSecret: string, body: string | Buffer, timestamp = 1714644422): string {
  return signedHeaders(tiktok, appSecret, body, timestamp)['tiktok-signature'] ?? '';
}

/** Standard Webhooks headers for `body`, signed with `secret` at `at` (default now): the partner channel's `sign`. */
export function standardWebhookHeaders(
  secret: string,
  body: string,
  options: { id?: string; at?: Date } = {},
): Record<string, string> {
  const at = options.at === undefined ? undefined : Math.floor(options.at.getTime() / 1000);
  return signedHeaders(partner, secret, body, at, options.id);
}

/**
 * Ways a secret store fails (an AWS error with its name, a thrown value that is not an Error), each
 * with the only thing an answer or a log may say of it: its kind.
 */
export const secretStoreFailures = [
  [
    'an AWS error',
    Object.assign(new Error('throttled'), { name: 'ThrottlingException' }),
    'ThrottlingException',
  ],
  ['a value that is not an Error', 'down', 'unknown'],
] as const;

/** A secret store whose every read fails with `failure`. */
export function failingSecretStore(failure: unknown): SecretStore {
  const fail = async (): Promise<never> => {
    throw failure;
  };
  return { get: fail, require: fail };
}
