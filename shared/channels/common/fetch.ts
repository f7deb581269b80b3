import type { LeadResolver } from '#shared/channels/channel.ts';
import { isRedirectRefused } from '#shared/http/outbound.ts';
import { redirectRefused } from '#shared/onpipeline/client.ts';
import type { DeliveryOutcome } from '#shared/onpipeline/outcome.ts';

/**
 * The outcome of a fetch that got no HTTP answer: a timeout or a connection failure, both
 * `transient` (a GET is safe to repeat, so never ambiguous). Names the error code only: the
 * underlying message may quote the URL, and with it a token.
 *
 * @example
 * fetchFailure('Graph', error, 10_000);
 * // { kind: 'transient', message: 'no answer from Graph within 10000 ms', ambiguous: false }
 */
export function fetchFailure(service: string, error: unknown, timeoutMs: number): DeliveryOutcome {
  if (isRedirectRefused(error)) return redirectRefused(service);
  const name = error instanceof Error ? error.name : undefined;
  if (name === 'TimeoutError' || name === 'AbortError') {
    return {
      kind: 'transient',
      message: `no answer from ${service} within ${timeoutMs} ms`,
      ambiguous: false,
    };
  }
  let code: string | undefined;
  let current: unknown = error;
  for (let depth = 0; current && depth < 5 && code === undefined; depth++) {
    const value = (current as { code?: unknown }).code;
    if (typeof value === 'string') code = value;
    current = (current as { cause?: unknown }).cause;
  }
  return {
    kind: 'transient',
    message: `cannot reach ${service} (${code ?? name ?? 'unknown'})`,
    ambiguous: false,
  };
}

/**
 * `text` with every occurrence of the given secrets replaced by `[redacted]`: vendors' answers and
 * errors must never carry a token into a log line or a DLQ attribute.
 *
 * @example
 * scrubbed('bad token EAAB…', [token]); // 'bad token [redacted]'
 */
export function scrubbed(text: string, secrets: string[]): string {
  let result = text;
  for (const secret of secrets) if (secret.length >= 4) result = result.split(secret).join('[redacted]');
  return result;
}

/**
 * A lead fetch that failed with `outcome` (what a `LeadResolver` returns instead of fields).
 *
 * @example
 * return failed({ kind: 'permanent', reason: 'lead_not_found', message: 'gone' });
 */
export function failed(outcome: DeliveryOutcome): Extract<Awaited<ReturnType<LeadResolver>>, { ok: false }> {
  return { ok: false, outcome };
}
