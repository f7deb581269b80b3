import { safeJson } from '#shared/json.ts';

/**
 * What became of one delivery attempt, per ARCHITECTURE's classification table:
 * - `delivered` (201) and `duplicate` (409): done;
 * - `permanent` (400, 406; mapping errors): to the DLQ with the reason, never retried;
 * - `configuration` (401, 403, 404): token, IP whitelist or URL is wrong: retried with long backoff, alarmed;
 * - `transient` (429, 5xx, timeout, connection error): retried with backoff. `ambiguous` marks failures
 *   after the request may have reached Onpipeline (timeout, connection reset), which can duplicate.
 */
export type DeliveryOutcome =
  | { kind: 'delivered'; status: number; leadId: string }
  | { kind: 'duplicate'; status: 409; message: string }
  | { kind: 'permanent'; status?: number; reason: string; message: string }
  | { kind: 'configuration'; status?: number; message: string }
  | { kind: 'transient'; status?: number; message: string; retryAfterSeconds?: number; ambiguous: boolean };

/**
 * Classifies Onpipeline's answer to a `Leadsin` call.
 *
 * @example
 * classifyAnswer(406, '{"Error":{"Code":"406","Message":"Invalid JSON"}}'); // { kind: 'permanent', ... }
 */
export function classifyAnswer(status: number, text: string, retryAfter?: string | null): DeliveryOutcome {
  const body = safeJson(text, JSON.parse);
  const message = errorMessage(body) ?? `HTTP ${status}`;
  if (status >= 200 && status < 300) {
    return { kind: 'delivered', status, leadId: createdLeadId(body) ?? 'unknown' };
  }
  if (status === 409) return { kind: 'duplicate', status, message };
  if (status === 400 || status === 406) {
    return { kind: 'permanent', status, reason: 'onpipeline_rejected', message };
  }
  if (status === 401 || status === 403 || status === 404) return { kind: 'configuration', status, message };
  const retryAfterSeconds = parseRetryAfter(retryAfter);
  return {
    kind: 'transient',
    status,
    message,
    ambiguous: false,
    ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }),
  };
}

/** Seconds from a `Retry-After` header (delta-seconds or an HTTP date); undefined when absent or invalid. */
export function parseRetryAfter(header: string | null | undefined): number | undefined {
  if (!header) return undefined;
  if (/^\d+$/.test(header.trim())) return Number(header.trim());
  if (!/^[A-Za-z]{3}, \d{2} [A-Za-z]{3} \d{4} \d{2}:\d{2}:\d{2} GMT$/.test(header.trim())) return undefined;
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - Date.now()) / 1000));
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const optionalString = (value: unknown) => value === undefined || typeof value === 'string';

/**
 * The `LeadID` of a success answer shaped as `leadsinCreatedSchema` (`#shared/onpipeline/schema.ts`)
 * says; checked by hand, so deliver does not load zod for every answer.
 */
function createdLeadId(body: unknown): string | undefined {
  if (!isRecord(body) || !isRecord(body.Header) || !isRecord(body.Data)) return undefined;
  const { Status, Code, Time, Endpoint } = body.Header;
  const shaped =
    typeof Status === 'string' &&
    typeof Code === 'string' &&
    optionalString(Time) &&
    typeof Endpoint === 'string' &&
    typeof body.Data.LeadID === 'string';
  return shaped ? (body.Data.LeadID as string) : undefined;
}

/** The message of an error answer shaped as `onpipelineErrorSchema` says (checked by hand, as above). */
function errorMessage(body: unknown): string | undefined {
  if (!isRecord(body) || !isRecord(body.Error)) return undefined;
  const { Code, Message, Time, IP } = body.Error;
  const shaped =
    typeof Code === 'string' && typeof Message === 'string' && optionalString(Time) && optionalString(IP);
  return shaped ? (Message as string).slice(0, 500) : undefined;
}
