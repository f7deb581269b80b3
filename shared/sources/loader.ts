import { readdirSync, readFileSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { isNode, LineCounter, parseDocument } from 'yaml';
import type { z } from 'zod';
import { SourceConfigError, type SourceProblem } from '#shared/sources/errors.ts';
import { type Source, sourceConfigSchema, sourceIdPattern } from '#shared/sources/schema.ts';

/**
 * Loads and validates every `<sourceId>.yaml` in a folder. Either all sources are valid, or a
 * `SourceConfigError` lists every problem of every file with its line and path.
 *
 * @example
 * const sources = loadSources('sources');
 * const demo = sources.get('demo-contact');
 */
export function loadSources(dir: string): Map<string, Source> {
  const { sources, problems } = checkSources(dir);
  if (problems.length > 0) throw new SourceConfigError(problems);
  return sources;
}

/**
 * Like `loadSources`, but returns the valid sources and the problems side by side instead of
 * throwing (for `leadgate sources check` and editors).
 *
 * @example
 * const { problems } = checkSources('sources');
 */
export function checkSources(dir: string): { sources: Map<string, Source>; problems: SourceProblem[] } {
  const sources = new Map<string, Source>();
  const problems: SourceProblem[] = [];
  let names: string[];
  try {
    names = readdirSync(dir)
      .filter((name) => /\.ya?ml$/.test(name))
      .sort();
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'folder not found' : String(error);
    return { sources, problems: [{ file: dir, path: '', message: reason }] };
  }
  for (const name of names) {
    const file = join(dir, name);
    const result = parseSource(
      basename(name).replace(/\.ya?ml$/, ''),
      readFileSync(file, 'utf8'),
      displayPath(file),
    );
    if (result.ok) {
      if (sources.has(result.source.id)) {
        problems.push({
          file: result.source.file,
          path: '',
          message: `source id "${result.source.id}" is defined twice`,
        });
      }
      sources.set(result.source.id, result.source);
    } else problems.push(...result.problems);
  }
  return { sources, problems };
}

/**
 * Parses one source config from YAML text. `id` is the file name without extension.
 *
 * @example
 * const result = parseSource('demo', 'channel: form\n...', 'sources/demo.yaml');
 */
export function parseSource(
  id: string,
  text: string,
  file = `${id}.yaml`,
): { ok: true; source: Source } | { ok: false; problems: SourceProblem[] } {
  if (!sourceIdPattern.test(id)) {
    return {
      ok: false,
      problems: [
        { file, path: '', message: `the file name "${id}" is not a valid source id (a-z, 0-9 and dashes)` },
      ],
    };
  }
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    return {
      ok: false,
      problems: doc.errors.map((error) => ({
        file,
        path: '',
        line: lineCounter.linePos(error.pos[0]).line,
        message: `YAML syntax: ${error.message.split('\n')[0]}`,
      })),
    };
  }
  const parsed = sourceConfigSchema.safeParse(doc.toJS({ maxAliasCount: 50 }), { error: friendlyMessage });
  if (!parsed.success) {
    return {
      ok: false,
      problems: parsed.error.issues.map((issue) => toProblem(issue, file, doc, lineCounter)),
    };
  }
  return { ok: true, source: { ...parsed.data, id, file } };
}

/** Zod's defaults, reworded for the people who edit these files. */
function friendlyMessage(issue: z.core.$ZodRawIssue): string | undefined {
  if (issue.input === undefined && (issue.code === 'invalid_type' || issue.code === 'invalid_union')) {
    return 'required';
  }
  if (issue.code === 'invalid_union') {
    return 'expected a field name, or an object with from, value, template or default';
  }
  if (issue.code === 'invalid_type') return `expected ${issue.expected}`;
  return undefined;
}

function toProblem(
  issue: z.core.$ZodIssue,
  file: string,
  doc: ReturnType<typeof parseDocument>,
  lineCounter: LineCounter,
): SourceProblem {
  const path = issue.path.map((key) => key as string | number);
  const lookup = issue.code === 'unrecognized_keys' && issue.keys[0] ? [...path, issue.keys[0]] : path;
  let line: number | undefined;
  for (let depth = lookup.length; depth >= 0 && line === undefined; depth--) {
    const node = depth === 0 ? doc.contents : doc.getIn(lookup.slice(0, depth), true);
    if (isNode(node) && node.range) line = lineCounter.linePos(node.range[0]).line;
  }
  return { file, path: formatPath(path), line, message: issue.message };
}

function formatPath(path: (string | number)[]): string {
  return path
    .map((key, index) => (typeof key === 'number' ? `[${key}]` : index === 0 ? key : `.${key}`))
    .join('');
}

function displayPath(file: string): string {
  const rel = relative(process.cwd(), file);
  return rel.startsWith('..') ? file : rel;
}
