import type {
  Channel,
  ChannelDeps,
  FetcherDeps,
  LeadResolver,
  RouteHandler,
  WebhookRouter,
} from '#shared/channels/channel.ts';
import { countRejection } from '#shared/channels/common/rejections.ts';
import { form } from '#shared/channels/form/index.ts';
import { googleAds } from '#shared/channels/google-ads/index.ts';
import { linkedin } from '#shared/channels/linkedin/index.ts';
import { meta } from '#shared/channels/meta/index.ts';
import { partner } from '#shared/channels/partner/index.ts';
import { tiktok } from '#shared/channels/tiktok/index.ts';
import type { ErrorAnswer } from '#shared/http/errors.ts';
import { type RouteKey, routes } from '#shared/http/routes.ts';
import type { Channel as ChannelName } from '#shared/sources/schema.ts';

/**
 * Every channel leadgate speaks, in one list. Capture's route table, deliver's routers and fetchers
 * come from it: a seventh channel is its folder plus one line here (docs/architecture.md).
 *
 * @example
 * registry.map((channel) => channel.name); // ['form', 'partner', 'google-ads', 'meta', 'linkedin', 'tiktok']
 */
export const registry: readonly Channel[] = [form, partner, googleAds, meta, linkedin, tiktok];

/** One row of capture's route table: the handler and how its rejections are answered. */
export interface CaptureRoute {
  handler: RouteHandler;
  errors?: ErrorAnswer;
}

/**
 * Capture's route table from the registry plus `extra` routes (`GET /health`): one row per route key of
 * the HTTP contract, checked when built (a route no channel serves, or two channels claim, throws at
 * cold start; a misspelt key does not compile). Each channel's rejections are counted per channel.
 *
 * @example
 * const table = captureRoutes(deps, { 'GET /health': { handler: () => json(200, { status: 'ok' }) } });
 * await table['POST /v1/webhooks/tiktok'].handler(request);
 */
export function captureRoutes(
  deps: ChannelDeps,
  extra: Partial<Record<RouteKey, CaptureRoute>>,
  channels: readonly Channel[] = registry,
): Record<RouteKey, CaptureRoute> {
  const table: Partial<Record<RouteKey, CaptureRoute>> = { ...extra };
  for (const channel of channels) {
    const errors: ErrorAnswer = {
      ...channel.errors,
      counted: (error) => countRejection(channel.metric, error),
    };
    for (const [key, factory] of Object.entries(channel.routes) as [
      RouteKey,
      (deps: ChannelDeps) => RouteHandler,
    ][]) {
      if (table[key]) throw new Error(`route ${key} is claimed twice (channel ${channel.name})`);
      table[key] = { handler: factory(deps), errors };
    }
  }
  for (const { method, path } of routes) {
    if (!table[`${method} ${path}`]) throw new Error(`route ${method} ${path} has no handler`);
  }
  return table as Record<RouteKey, CaptureRoute>;
}

/**
 * How a channel's rejections are answered: its declared style and log field, counted per channel
 * (`rejected_<code>`, `<metric>_rejected`, `<metric>_signature_refused`).
 *
 * @example
 * renderHttpError(error, errorAnswer(googleAds)); // 403 {"message": ...}, google_ads_rejected counted
 */
export function errorAnswer(channel: Channel): ErrorAnswer {
  return { ...channel.errors, counted: (error) => countRejection(channel.metric, error) };
}

/**
 * Deliver-side routers of the webhook channels (who may capture leads as unrouted), by channel name.
 *
 * @example
 * leadDelivery({ ...deps, routers: webhookRouters });
 */
export const webhookRouters: Partial<Record<ChannelName, WebhookRouter>> = Object.fromEntries(
  registry.flatMap((channel) => (channel.route ? [[channel.name, channel.route]] : [])),
);

/**
 * Deliver's lead fetchers for the channels whose notifications carry only an id (Meta, LinkedIn).
 *
 * @example
 * leadDelivery({ ...deps, resolvers: leadFetchers({ secrets, timeoutMs: 10_000 }) });
 */
export function leadFetchers(deps: FetcherDeps): Partial<Record<'meta' | 'linkedin', LeadResolver>> {
  return Object.fromEntries(
    registry.flatMap((channel) => (channel.fetch ? [[channel.name, channel.fetch(deps)]] : [])),
  );
}

/**
 * The headers `channel` sends `body` with, signed under `secret` as its vendor signs it (the channel's
 * `sign`; `at` in Unix seconds and `id` where the scheme signs them): what the CLI's send-test and
 * the tests send, and exactly what the channel's capture accepts. Throws for a channel
 * that does not sign (form; Google Ads carries its key in the body: `google-ads/key.ts`).
 *
 * @example
 * signedHeaders(meta, appSecret, body); // { 'x-hub-signature-256': 'sha256=…' }
 * signedHeaders(partner, signingSecret, body); // { 'webhook-id': 'msg_…', 'webhook-timestamp': …, 'webhook-signature': 'v1,…' }
 */
export function signedHeaders(
  channel: Channel,
  secret: string,
  body: string | Buffer,
  at?: number,
  id?: string,
): Record<string, string> {
  if (!channel.sign) throw new Error(`the ${channel.name} channel does not sign requests`);
  return channel.sign(secret, body, at, id);
}

export { form, googleAds, linkedin, meta, partner, tiktok };
