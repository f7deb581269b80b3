import type { SampleLead } from '#shared/channels/common/read.ts';
import type { ChannelMetric } from '#shared/channels/common/rejections.ts';
import type { CaptchaUrls } from '#shared/channels/form/captcha.ts';
import type { Envelope, InputFields } from '#shared/envelope.ts';
import type { ErrorAnswer } from '#shared/http/errors.ts';
import type { HttpRequest } from '#shared/http/request.ts';
import type { HttpResult } from '#shared/http/response.ts';
import type { RouteKey } from '#shared/http/routes.ts';
import type { DeliveryOutcome } from '#shared/onpipeline/outcome.ts';
import type { LeadQueue } from '#shared/queue/client.ts';
import type { SecretStore } from '#shared/security/secrets.ts';
import type { SourceRegistry } from '#shared/sources/registry.ts';
import type { Channel as ChannelName, Source } from '#shared/sources/schema.ts';

/** What a channel's sample reader (`Channel.read`) knows besides the payload. */
/** What a channel's `sample` writes a payload from. */
export interface SampleFacts {
  source: Source;
  /** The input fields the payload must carry (`sampleFields`: guessed from the mapping). */
  fields: InputFields;
  /** The sender's own lead id, where the channel has one (digits, unique per call). */
  leadId: string;
  now: Date;
}

export interface ReadFacts {
  source: Source;
  /** ISO time the lead is taken as received at. */
  receivedAt: string;
  /** The page a form was on (for `$referer`, `$utm.*` from its query string). */
  referer?: string | undefined;
}

/** What every capture-side channel module gets. */
export interface ChannelDeps {
  sources: SourceRegistry;
  queue: LeadQueue;
  secrets: SecretStore;
  now?: () => Date;
  /** The form channel's CAPTCHA siteverify endpoints and timeout (`form/captcha.ts`); default the providers'. */
  captcha?: { urls?: CaptchaUrls; timeoutMs?: number };
}

/** A capture-side channel: verify → parse → normalise → enqueue, answering the sender as it expects. */
export interface CaptureChannel {
  capture(request: HttpRequest): Promise<HttpResult>;
}

/**
 * Source id of envelopes whose notification matched no configured source (Meta page/form, LinkedIn
 * form, TikTok advertiser). Not a valid source id, so it never collides; deliver routes such envelopes
 * again with the current config and parks them in the DLQ (reason `unrouted`) when nothing matches.
 */
export const UNROUTED_SOURCE_ID = '_unrouted';

/** Finds the source of a webhook lead from its context (page, form, advertiser ids). */
export type WebhookRouter = (envelope: Envelope, sources: SourceRegistry) => Source | undefined;

/**
 * Deliver-side fetch of a lead whose notification carried only its id (Meta, LinkedIn): returns the
 * input fields (and extra context), or a classified failure (`configuration` for expired tokens or
 * missing permissions, `transient` for 5xx and rate limits, `permanent` for a lead that is gone).
 */
export type LeadResolver = (
  envelope: Envelope,
  source: Source,
) => Promise<
  | { ok: true; fields: InputFields; context?: Record<string, string> }
  | { ok: false; outcome: DeliveryOutcome }
>;

/** Handles one route's request; throws `HttpError` for a rejection (rendered by `httpErrors()`). */
export type RouteHandler = (request: HttpRequest) => Promise<HttpResult> | HttpResult;

/** What a channel's lead fetcher is built from (deliver side): API tokens, timeout, base-URL overrides. */
export interface FetcherDeps {
  secrets: SecretStore;
  timeoutMs: number;
  /** Base URLs of the vendors' APIs (the local fakes); each channel reads its own, else its default. */
  urls?: { graphUrl?: string | undefined; linkedinUrl?: string | undefined };
}

/**
 * One channel, one object of one shape (like Powertools' parser envelopes): everything leadgate knows
 * about a way leads arrive. The registry (`shared/channels/index.ts`) lists them; capture's route
 * table, deliver's routers and fetchers come from it. See docs/architecture.md, "Adding a channel".
 *
 * @example
 * export const tiktok: Channel = {
 *   name: 'tiktok',
 *   metric: 'tiktok',
 *   routes: { 'POST /v1/webhooks/tiktok': (deps) => tiktokChannel(deps).capture },
 *   route: tiktokRouter,
 * };
 */
export interface Channel {
  /** The `channel:` value of a source config. */
  name: ChannelName;
  /** The channel part of its metric names (`<metric>_rejected`, `<metric>_signature_refused`). */
  metric: ChannelMetric;
  /** How its rejections are answered (body style, `channel` log field); counting is added by the table. */
  errors?: Omit<ErrorAnswer, 'counted'>;
  /** Its HTTP routes: route key → handler factory (called once per cold start with capture's deps). */
  routes: Partial<Record<RouteKey, (deps: ChannelDeps) => RouteHandler>>;
  /**
   * Reads a sample payload (the text a person pastes: the body the channel receives, or for Meta and
   * LinkedIn the lead as their API returns it) into the leads capture would queue, input fields and
   * context: what the CLI preview and the dashboard playground use. Throws `PayloadError`
   * (`common/read.ts`) with a readable message when the payload cannot be read.
   */
  read?: (text: string, facts: ReadFacts) => Promise<SampleLead[]>;
  /**
   * Writes a realistic payload of this channel holding `facts.fields` (a JSON value: what the sender
   * posts; for Meta and LinkedIn the lead as their API returns it), the inverse of `read`: for
   * `leadgate send-test` and the playground's prefill.
   */
  sample?: (facts: SampleFacts) => unknown;
  /**
   * Signs a raw body as the vendor does (the headers it sends), for the CLI's send-test, the local
   * fakes and the tests: what `verify` accepts. `at` is the signing time in Unix seconds (default now)
   * where the scheme signs one (TikTok, Standard Webhooks); `id` the message id where the scheme signs
   * one (Standard Webhooks' `webhook-id`, default a fresh `msg_…`). Google Ads has none: its key travels
   * in the body (`google-ads/key.ts`).
   */
  sign?: (secret: string, body: string | Buffer, at?: number, id?: string) => Record<string, string>;
  /**
   * Whether the request headers carry a valid signature of `body` under `secret` (what capture
   * checks); `at` is the checking time in Unix seconds (default now) for schemes whose signatures
   * expire (Standard Webhooks: ±5 minutes).
   */
  verify?: (
    secret: string,
    body: Buffer,
    headers: Record<string, string | undefined>,
    at?: number,
  ) => boolean;
  /** Deliver-side routing of its leads captured unrouted (webhook channels). */
  route?: WebhookRouter;
  /** Deliver-side fetch of leads whose notification carried only an id (Meta, LinkedIn). */
  fetch?: (deps: FetcherDeps) => LeadResolver;
}
