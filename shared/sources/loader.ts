import { readdirSync, readFileSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { isMap, isNode, isScalar, LineCounter, parseDocument } from 'yaml';
import { z } from 'zod';
import { SourceConfigError, type SourceProblem } from '#shared/sources/errors.ts';
import {
  missingValueSource,
  type Source,
  sourceConfigSchema,
  sourceIdPattern,
} from '#shared/sources/schema.ts';
import { didYouMean } from '#shared/suggest.ts';

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
  const data: unknown = doc.toJS({ maxAliasCount: 50 });
  const parsed = sourceConfigSchema.safeParse(data, { error: friendlyMessage });
  if (!parsed.success) {
    const problems = expandUnions(parsed.error.issues, data).flatMap((issue) =>
      toProblems(issue, file, data, doc, lineCounter),
    );
    return { ok: false, problems: withoutEchoes(problems) };
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

type Key = string | number;

/**
 * A union's issue says only "no option matched". When the value's type fits exactly one option
 * (an object for `{ from: … }`, a list for `transform: [...]`), that option's own issues say what is
 * wrong, so they replace the union's.
 */
function expandUnions(
  issues: readonly z.core.$ZodIssue[],
  data: unknown,
  base: Key[] = [],
): z.core.$ZodIssue[] {
  return issues.flatMap((issue): z.core.$ZodIssue[] => {
    const path = [...base, ...(issue.path as Key[])];
    if (issue.code !== 'invalid_union') return [{ ...issue, path }];
    const value = valueAt(data, path);
    const scalar = value === null || typeof value !== 'object';
    // An option for another type fails at its root: a type error, or a list of options (an enum)
    // given a list or an object.
    const otherType = (inner: z.core.$ZodIssue) =>
      inner.path.length === 0 &&
      (inner.code === 'invalid_type' || (inner.code === 'invalid_value' && !scalar));
    const fitting = issue.errors.filter((branch) => !branch.every(otherType));
    const [only] = fitting;
    return fitting.length === 1 && only ? expandUnions(only, data, path) : [{ ...issue, path }];
  });
}

/** The keys the schema allows at a path of the config (`['lead']` → FirstName, LastName, …). */
function keysAt(path: readonly Key[]): string[] {
  let schema: z.core.$ZodType | undefined = sourceConfigSchema;
  for (const key of [...path, undefined]) {
    // Unwrap until an object (or a list, for a numeric key) is reached.
    for (let guard = 0; schema && guard < 10; guard++) {
      if (schema instanceof z.ZodOptional || schema instanceof z.ZodDefault) schema = schema.unwrap();
      else if (schema instanceof z.ZodPipe) schema = schema.in;
      else if (schema instanceof z.ZodUnion) {
        schema = (schema.options as z.core.$ZodType[]).find(
          (option) => option instanceof z.ZodObject || option instanceof z.ZodArray,
        );
      } else break;
    }
    if (key === undefined) return schema instanceof z.ZodObject ? Object.keys(schema.shape) : [];
    if (typeof key === 'number') schema = schema instanceof z.ZodArray ? schema.element : undefined;
    else
      schema =
        schema instanceof z.ZodObject ? (schema.shape as Record<string, z.core.$ZodType>)[key] : undefined;
  }
  return [];
}

function valueAt(data: unknown, path: readonly Key[]): unknown {
  let value = data;
  for (const key of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<Key, unknown>)[key];
  }
  return value;
}

function quoted(value: unknown): string {
  return typeof value === 'string' ? `"${value}"` : (JSON.stringify(value) ?? String(value));
}

/** `unknown transform "lowercase" (did you mean "lower"?): expected one of "trim"|"lower"|…` */
function unknownValueMessage(issue: z.core.$ZodIssue & { code: 'invalid_value' }, data: unknown): string {
  const bad = valueAt(data, issue.path as Key[]);
  const options = issue.values.map(quoted).join('|');
  if (bad === undefined) return `required: one of ${options}`;
  const valid = issue.values.map(String);
  const what = issue.path.includes('transform') ? 'unknown transform' : 'invalid option';
  const hint = typeof bad === 'string' ? didYouMean(bad, valid) : '';
  return `${what} ${quoted(bad)}${hint}: expected one of ${options}`;
}

const leadFields = keysAt(['lead']);

/** `unknown key "FristName" (did you mean "FirstName"?)`, one message per unknown key. */
function unknownKeyMessage(key: string, path: readonly Key[]): string {
  if (path.length === 0 && leadFields.includes(key)) {
    return `unknown key "${key}": ${key} is an Onpipeline field: is it indented under lead:?`;
  }
  const valid = keysAt(path);
  const hint = didYouMean(key, valid);
  if (hint) return `unknown key "${key}"${hint}`;
  return valid.length > 0
    ? `unknown key "${key}": the keys here are ${valid.join(', ')}`
    : `unknown key "${key}"`;
}

function toProblems(
  issue: z.core.$ZodIssue,
  file: string,
  data: unknown,
  doc: ReturnType<typeof parseDocument>,
  lineCounter: LineCounter,
): SourceProblem[] {
  const path = issue.path as Key[];
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => ({
      file,
      path: formatPath(path),
      line: keyLine(doc, lineCounter, path, key) ?? lineOf(doc, lineCounter, path),
      message: unknownKeyMessage(key, path),
    }));
  }
  const message = issue.code === 'invalid_value' ? unknownValueMessage(issue, data) : issue.message;
  return [{ file, path: formatPath(path), line: lineOf(doc, lineCounter, path), message }];
}

/**
 * `{ form: email }` misses a value source only because `form` is a misspelt `from`: once the
 * unknown key suggests one of them, "say where the value comes from" would point at the wrong thing.
 */
function withoutEchoes(problems: SourceProblem[]): SourceProblem[] {
  const suggested = new Set(
    problems
      .filter((problem) => /\(did you mean "(from|value|template|default)"\?\)$/.test(problem.message))
      .map((problem) => problem.path),
  );
  return problems.filter(
    (problem) => !(problem.message === missingValueSource && suggested.has(problem.path)),
  );
}

/** The line of the value at `path`, or of its nearest ancestor the parser has a position for. */
function lineOf(
  doc: ReturnType<typeof parseDocument>,
  lineCounter: LineCounter,
  path: Key[],
): number | undefined {
  for (let depth = path.length; depth >= 0; depth--) {
    const node = depth === 0 ? doc.contents : doc.getIn(path.slice(0, depth), true);
    if (isNode(node) && node.range) return lineCounter.linePos(node.range[0]).line;
  }
  return undefined;
}

/** The line of a key itself (`Extra:`), not of its value, which may start on the next line. */
function keyLine(
  doc: ReturnType<typeof parseDocument>,
  lineCounter: LineCounter,
  path: Key[],
  key: string,
): number | undefined {
  const map = path.length === 0 ? doc.contents : doc.getIn(path, true);
  if (!isMap(map)) return undefined;
  const pair = map.items.find((item) => isScalar(item.key) && String(item.key.value) === key);
  const range = isNode(pair?.key) ? pair.key.range : undefined;
  return range ? lineCounter.linePos(range[0]).line : undefined;
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
