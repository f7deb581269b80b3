import { z } from 'zod';
import type { SourceProblem } from '#shared/sources/errors.ts';
import { parseSource } from '#shared/sources/loader.ts';
import type { Source } from '#shared/sources/schema.ts';

/**
 * The document `leadgate sources publish` writes as one hosted configuration version:
 * `{ "version": "7", "sources": { "<sourceId>": <the source's YAML, as JSON> } }`. Each source is
 * validated exactly like a file (`parseSource`), so a document that would fail `sources check`
 * fails here too. docs/sources.md, "Change a mapping on AWS".
 */
export const publishedDocumentSchema = z.strictObject({
  version: z
    .union([z.string().regex(/^[A-Za-z0-9._-]{1,64}$/), z.number().int().positive()])
    .transform(String),
  sources: z.record(z.string(), z.unknown()),
});

export type PublishedDocument = { version: string; sources: Record<string, unknown> };

/**
 * Parses and validates a published document. Either every source is valid, or the problems list
 * each one with its source id (`published:<id>`) and path.
 *
 * @example
 * const result = parsePublishedDocument('{"version":"3","sources":{...}}');
 */
export function parsePublishedDocument(
  text: string,
): { ok: true; version: string; sources: Map<string, Source> } | { ok: false; problems: SourceProblem[] } {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return { ok: false, problems: [{ file: 'published', path: '', message: 'the document is not JSON' }] };
  }
  const document = publishedDocumentSchema.safeParse(data);
  if (!document.success) {
    return {
      ok: false,
      problems: document.error.issues.map((issue) => ({
        file: 'published',
        path: issue.path.join('.'),
        message: issue.message,
      })),
    };
  }
  const sources = new Map<string, Source>();
  const problems: SourceProblem[] = [];
  for (const [id, config] of Object.entries(document.data.sources)) {
    // JSON is YAML: the file loader's own checks and messages apply unchanged.
    const parsed = parseSource(id, JSON.stringify(config ?? null), `published:${id}`);
    if (parsed.ok) sources.set(id, parsed.source);
    else problems.push(...parsed.problems);
  }
  return problems.length > 0
    ? { ok: false, problems }
    : { ok: true, version: document.data.version, sources };
}
