import { isRedirectRefused, requireHttpsOrLoopback } from '#shared/http/outbound.ts';
import { safeJson } from '#shared/json.ts';
import type { CustomField, CustomFieldTable } from '#shared/onpipeline/fields.ts';
import { classifyAnswer, type DeliveryOutcome } from '#shared/onpipeline/outcome.ts';
import type { LeadsinBody } from '#shared/onpipeline/schema.ts';

export const DEFAULT_ONPIPELINE_URL = 'https://api.onpipeline.com';

export interface OnpipelineClientOptions {
  /** `https://api.onpipeline.com`, or a loopback URL (the sandbox). */
  baseUrl: string;
  /** The API token, read when needed (it may rotate). */
  token: () => Promise<string>;
  /** Per-request timeout; default 10 s. */
  timeoutMs?: number;
}

export interface OnpipelineClient {
  /** Sends one lead to `Leadsin` and classifies the answer. Never throws for HTTP or network failures. */
  sendLead(body: LeadsinBody): Promise<DeliveryOutcome>;
  /** `ListCustomFields` for one table. Throws `OnpipelineRequestError` with the classified outcome. */
  listCustomFields(table: CustomFieldTable): Promise<CustomField[]>;
  /**
   * `FieldAdd`: creates a (text) custom field in one table. Resolves to its ID when the answer names
   * one (the reference does not document the 201 body: `Data.ID` or `Data.FieldID` are read),
   * `existed: true` on 409 (Conflict: a field of that name exists). Throws `OnpipelineRequestError`
   * for any other answer.
   */
  addCustomField(table: CustomFieldTable, name: string): Promise<{ id?: string; existed: boolean }>;
}

export class OnpipelineRequestError extends Error {
  readonly outcome: DeliveryOutcome;
  constructor(endpoint: string, outcome: DeliveryOutcome) {
    super(
      `${endpoint} failed: ${outcome.kind}${'status' in outcome && outcome.status ? ` ${outcome.status}` : ''}`,
    );
    this.name = 'OnpipelineRequestError';
    this.outcome = outcome;
  }
}

/**
 * A client for Onpipeline's REST API. Node's fetch keeps connections alive between calls; each call
 * has a timeout; HTTPS is required unless the URL is loopback.
 *
 * @example
 * const client = createOnpipelineClient({ baseUrl: DEFAULT_ONPIPELINE_URL, token: () => secrets.require('ONPIPELINE_TOKEN') });
 * const outcome = await client.sendLead({ FirstName: 'Mike', LastName: 'Smith' });
 */
export function createOnpipelineClient(options: OnpipelineClientOptions): OnpipelineClient {
  const base = requireHttpsOrLoopback(options.baseUrl, 'Onpipeline URL');
  const timeoutMs = options.timeoutMs ?? 10_000;
  const endpoint = (name: string) => new URL(name, base.href.endsWith('/') ? base.href : `${base.href}/`);

  async function post(name: string, body: unknown): Promise<DeliveryOutcome & { text?: string }> {
    let sent = false;
    try {
      const token = await options.token();
      let headers: Headers;
      try {
        headers = new Headers({
          authorization: token,
          'content-type': 'application/json',
          accept: 'application/json',
        });
      } catch {
        return { kind: 'configuration', message: 'the Onpipeline token is not a valid header value' };
      }
      sent = true;
      const response = await fetch(endpoint(name), {
        method: 'POST',
        headers,
        body: JSON.stringify(body),
        redirect: 'error', // a 307/308 would resend the lead (and the token) to another URL
        signal: AbortSignal.timeout(timeoutMs),
      });
      const text = await response.text();
      return { ...classifyAnswer(response.status, text, response.headers.get('retry-after')), text };
    } catch (error) {
      return networkOutcome(error, sent, timeoutMs);
    }
  }

  return {
    async sendLead(body) {
      const { text: _text, ...outcome } = await post('Leadsin', body);
      return outcome;
    },
    async listCustomFields(table) {
      const outcome = await post('ListCustomFields', { Table: table });
      if (outcome.kind !== 'delivered') throw new OnpipelineRequestError('ListCustomFields', outcome);
      const fields = customFieldList(safeJson(outcome.text, JSON.parse));
      if (!fields) {
        throw new OnpipelineRequestError('ListCustomFields', {
          kind: 'transient',
          ambiguous: false,
          message: 'unexpected ListCustomFields answer',
        });
      }
      return fields;
    },
    async addCustomField(table, name) {
      // The reference spells FieldAdd's tables in lower case: persons/organizations/deals.
      const outcome = await post('FieldAdd', { Table: table.toLowerCase(), Name: name });
      if (outcome.kind === 'duplicate') return { existed: true };
      if (outcome.kind !== 'delivered') throw new OnpipelineRequestError('FieldAdd', outcome);
      const data = (
        safeJson(outcome.text, JSON.parse) as { Data?: { ID?: unknown; FieldID?: unknown } } | undefined
      )?.Data;
      const id = data?.ID ?? data?.FieldID;
      return typeof id === 'string' || typeof id === 'number'
        ? { id: String(id), existed: false }
        : { existed: false };
    },
  };
}

function networkOutcome(error: unknown, sent: boolean, timeoutMs: number): DeliveryOutcome {
  if (isRedirectRefused(error)) return redirectRefused('Onpipeline');
  const name = (error as Error)?.name;
  if (name === 'TimeoutError' || name === 'AbortError') {
    return { kind: 'transient', message: `no answer within ${timeoutMs} ms`, ambiguous: sent };
  }
  const code = errorCode(error);
  if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EHOSTUNREACH') {
    return { kind: 'transient', message: `cannot connect (${code})`, ambiguous: false };
  }
  if (!sent) {
    return {
      kind: 'configuration',
      message: `Onpipeline token unavailable: ${(error as Error)?.message ?? error}`,
    };
  }
  return { kind: 'transient', message: `connection failed (${code ?? name ?? 'unknown'})`, ambiguous: true };
}

/**
 * The outcome of a call answered with a redirect: a configuration failure (the URL is wrong, or
 * something between us and the service rewrites it), retried with long backoff and alarmed, never
 * followed.
 *
 * @example
 * redirectRefused('Onpipeline'); // { kind: 'configuration', message: 'Onpipeline answered with a redirect…' }
 */
export function redirectRefused(service: string): DeliveryOutcome {
  return {
    kind: 'configuration',
    message: `${service} answered with a redirect, which is never followed: check the configured URL`,
  };
}

function errorCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; current && depth < 5; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/**
 * The `Data` of a `ListCustomFields` answer shaped as `listCustomFieldsAnswerSchema`
 * (`#shared/onpipeline/schema.ts`) says, checked by hand (deliver loads no zod); undefined otherwise.
 */
function customFieldList(body: unknown): CustomField[] | undefined {
  const isRecord = (value: unknown): value is Record<string, unknown> =>
    typeof value === 'object' && value !== null && !Array.isArray(value);
  if (!isRecord(body) || !Array.isArray(body.Data)) return undefined;
  if (body.Header !== undefined && !(isRecord(body.Header) && typeof body.Header.Code === 'string')) {
    return undefined;
  }
  const fields: CustomField[] = [];
  for (const item of body.Data) {
    if (!isRecord(item) || typeof item.Name !== 'string' || typeof item.ID !== 'string') return undefined;
    fields.push({ Name: item.Name, ID: item.ID });
  }
  return fields;
}
