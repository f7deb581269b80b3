import type { Envelope, InputFields } from '#shared/envelope.ts';
import type { HttpRequest } from '#shared/http/request.ts';
import type { HttpResult } from '#shared/http/response.ts';
import type { DeliveryOutcome } from '#shared/onpipeline/outcome.ts';
import type { LeadQueue } from '#shared/queue/client.ts';
import type { SecretStore } from '#shared/security/secrets.ts';
import type { SourceRegistry } from '#shared/sources/registry.ts';
import type { Source } from '#shared/sources/schema.ts';

/** What every capture-side channel module gets. */
export interface ChannelDeps {
  sources: SourceRegistry;
  queue: LeadQueue;
  secrets: SecretStore;
  now?: () => Date;
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
