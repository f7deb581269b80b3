import type { IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { z } from 'zod';
import type { DashboardContext } from '#local/dashboard/context.ts';
import { errorPage, jsonPage } from '#local/dashboard/html.ts';
import { withTimeout } from '#local/dashboard/status.ts';
import { localSqs, settleDeadLetters } from '#local/embedded-sqs.ts';
import type { LocalPage } from '#local/gateway.ts';
import { envelopeMatches, erasureSubject, stringsOf, valuesMatch } from '#shared/erasure.ts';
import { cacheLookup, cacheNamesById, readCustomFieldsCache } from '#shared/preview/custom-fields-cache.ts';
import { PayloadError, samplePayload } from '#shared/preview/payloads.ts';
import { previewLeads } from '#shared/preview/preview.ts';
import { type DeadLetter, deadLetterQueue } from '#shared/queue/dlq.ts';
import { formatProblem } from '#shared/sources/errors.ts';

/** Largest JSON body the local endpoints read (a sample payload is at most 256 KB). */
const MAX_BODY_BYTES = 1024 * 1024;

/** Reads a JSON body; an error page when it is not JSON, too large or not `application/json`. */
export async function readJson(request: IncomingMessage): Promise<{ value: unknown } | { error: LocalPage }> {
  const type = request.headers['content-type']?.split(';')[0]?.trim().toLowerCase();
  if (type !== 'application/json') {
    request.resume();
    return { error: errorPage(415, 'unsupported_media_type', 'Send application/json.') };
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) {
      request.resume();
      return { error: errorPage(413, 'payload_too_large', 'The request body is too large.') };
    }
    chunks.push(chunk as Buffer);
  }
  try {
    return { value: JSON.parse(Buffer.concat(chunks).toString('utf8')) };
  } catch {
    return { error: errorPage(400, 'malformed_body', 'The body is not valid JSON.') };
  }
}

const previewRequest = z.object({
  sourceId: z.string().min(1).max(100),
  payload: z.string().max(256 * 1024),
  referer: z.string().max(2048).optional(),
});

/** How the dashboard resolves `name:` custom fields: as deliver does when it can, else from the cache. */
async function customFieldResolver(
  context: DashboardContext,
): Promise<{ lookup?: (name: string) => string | undefined; origin?: string }> {
  if (context.customFields) {
    try {
      const lookup = await withTimeout(context.customFields.lookup(), 5000);
      return { lookup, origin: context.sandboxUrl ? 'the Onpipeline sandbox' : 'Onpipeline' };
    } catch {
      // Onpipeline does not answer: fall back to the committed cache.
    }
  }
  try {
    const cache = readCustomFieldsCache(join(context.sourcesDir ?? 'sources', 'custom-fields.json'));
    if (cache) return { lookup: cacheLookup(cache), origin: 'sources/custom-fields.json' };
  } catch {
    // An invalid cache resolves nothing; `leadgate sources check` reports it.
  }
  return {};
}

/** Custom-field names by ID from the committed cache; none without a (valid) cache. */
function customFieldNamesById(context: DashboardContext): Map<string, string> {
  try {
    const cache = readCustomFieldsCache(join(context.sourcesDir ?? 'sources', 'custom-fields.json'));
    return cache ? cacheNamesById(cache) : new Map();
  } catch {
    return new Map();
  }
}

/** `POST /_local/preview` `{sourceId, payload, referer?}`: the mapping playground. */
export async function previewEndpoint(context: DashboardContext, body: unknown): Promise<LocalPage> {
  const parsed = previewRequest.safeParse(body);
  if (!parsed.success) return errorPage(400, 'malformed_body', 'Send {"sourceId": "...", "payload": "..."}.');
  const { sourceId, payload, referer } = parsed.data;
  const source = context.sources.get(sourceId);
  const fileProblems = context.sourceProblems?.(sourceId) ?? [];
  const file = fileProblems[0]?.file;
  if (!source) {
    return file
      ? errorPage(
          409,
          'source_file_invalid',
          `${file} on disk is invalid and has never validated, so leadgate does not serve "${sourceId}" ` +
            `and there is nothing to preview: ${fileProblems.map(formatProblem).join('; ')}`,
        )
      : errorPage(404, 'unknown_source', `No source "${sourceId}" is configured.`);
  }
  const names = await customFieldResolver(context);
  const namesById = customFieldNamesById(context);
  try {
    const leads = await previewLeads(source, payload, { referer, customFieldId: names.lookup });
    return jsonPage(200, {
      sourceId: source.id,
      channel: source.channel,
      customFields: names.origin ?? null,
      ...(file
        ? {
            fileInvalid: {
              message:
                `${file} on disk is invalid, so this preview uses the last version of ${source.id} that ` +
                'validated: the one leadgate keeps serving until the file is fixed.',
              problems: fileProblems.map(formatProblem),
            },
          }
        : {}),
      leads: leads.map((lead) => ({
        ok: lead.result.ok,
        ...(lead.result.ok ? { body: lead.result.body } : { errors: lead.result.errors }),
        spam: lead.spam,
        unresolved: lead.unresolved,
        // the body's custom fields by ID, with their names from sources/custom-fields.json
        customFields: lead.result.ok
          ? (lead.result.body.Extra ?? [])
              .filter((extra) => /^\d+$/.test(extra.ID))
              .map(({ ID }) => ({ ID, Name: namesById.get(ID) ?? null }))
          : [],
        fields: Object.keys(lead.input.fields),
      })),
    });
  } catch (error) {
    if (error instanceof PayloadError) {
      return errorPage(422, 'payload_unreadable', `Not a ${source.channel} payload: ${error.message}.`);
    }
    throw error;
  }
}

/** `GET /_local/sample?source=ID`: a sample payload of the source's channel, to prefill the playground. */
export function sampleEndpoint(context: DashboardContext, url: URL): LocalPage {
  const source = context.sources.get(url.searchParams.get('source') ?? '');
  if (!source) return errorPage(404, 'unknown_source', 'No such source.');
  return jsonPage(200, { sourceId: source.id, channel: source.channel, payload: sampleText(source) });
}

/** A sample payload as the playground shows it. */
export function sampleText(source: Parameters<typeof samplePayload>[0]): string {
  return JSON.stringify(samplePayload(source, '1234567890123456'), null, 2);
}

const redriveRequest = z
  .object({
    messageId: z.string().min(1).optional(),
    sourceId: z.string().min(1).optional(),
    reason: z.string().min(1).optional(),
    all: z.boolean().optional(),
  })
  .refine((value) => value.all === true || value.messageId || value.sourceId || value.reason);

/** `POST /_local/dlq/redrive` `{messageId?, sourceId?, reason?, all?}`: parked leads back to `leads`. */
export async function redriveEndpoint(context: DashboardContext, body: unknown): Promise<LocalPage> {
  const parsed = redriveRequest.safeParse(body);
  if (!parsed.success) {
    return errorPage(
      400,
      'malformed_body',
      'Say which leads: {"messageId"}, {"sourceId"}, {"reason"} or {"all": true}.',
    );
  }
  const { messageId, sourceId, reason } = parsed.data;
  const sqs = localSqs(context.sqs);
  await settleDeadLetters(sqs, context.queueUrls.deadLetterUrl);
  const result = await deadLetterQueue(sqs, context.queueUrls).redrive({
    filter: (letter) =>
      (!messageId || letter.messageId === messageId) &&
      (!sourceId || letter.sourceId === sourceId) &&
      (!reason || letter.reason === reason),
    ...(messageId ? { max: 1 } : {}),
  });
  return jsonPage(200, result);
}

/** The parked leads for the dashboard (bounded wait: a stopped queue must not hang the page). */
export async function deadLetters(
  context: DashboardContext,
): Promise<readonly DeadLetter[] | { error: string }> {
  try {
    const sqs = localSqs(context.sqs);
    return await withTimeout(
      settleDeadLetters(sqs, context.queueUrls.deadLetterUrl).then(() =>
        deadLetterQueue(sqs, context.queueUrls).list(50),
      ),
      5000,
    );
  } catch {
    return { error: 'The dead-letter queue cannot be read right now (is the embedded queue running?).' };
  }
}

const eraseRequest = z
  .object({
    emails: z.array(z.string().min(1).max(320)).max(100).default([]),
    phones: z.array(z.string().min(1).max(64)).max(100).default([]),
  })
  .refine((value) => value.emails.length + value.phones.length > 0);

/**
 * `POST /_local/erase` `{emails?, phones?}`: the dashboard forgets the recent leads of a person who
 * asked to be forgotten (`leadgate erase` calls it; docs/operations.md, "Erasure (GDPR)"). Matches the
 * envelope's input fields and the Leadsin body sent. Answers `{forgotten}`, never the values.
 */
export function eraseEndpoint(context: DashboardContext, body: unknown): LocalPage {
  const parsed = eraseRequest.safeParse(body);
  if (!parsed.success) {
    return errorPage(400, 'malformed_body', 'Send {"emails": ["..."]} and/or {"phones": ["..."]}.');
  }
  const subject = erasureSubject(parsed.data);
  if (subject.emails.size + subject.phones.size === 0) {
    return errorPage(400, 'malformed_body', 'No usable e-mail address or phone number was given.');
  }
  const forgotten =
    context.forgetAttempts?.(
      (attempt) =>
        (attempt.envelope !== undefined && envelopeMatches(subject, attempt.envelope)) ||
        valuesMatch(subject, stringsOf(attempt.body)),
    ) ?? 0;
  return jsonPage(200, { forgotten });
}
