import type { Envelope } from '#shared/envelope.ts';
import { channels } from '#shared/sources/channels.ts';

/**
 * A hand-written twin of `envelopeSchema.safeParse` (`#shared/envelope.ts`) for deliver, which checks
 * every message it receives: the same envelopes pass, with the same output (unknown keys dropped, as
 * `z.object` drops them), so deliver does not load zod at cold start (docs/architecture.md, "Cold
 * start"). A unit test compares the two on many generated envelopes. The message names the first
 * problem in the schema's key order, worded like zod's.
 *
 * @example
 * const checked = checkEnvelope(JSON.parse(record.body));
 * if (!checked.success) console.log(checked.message);
 */
export function checkEnvelope(
  value: unknown,
): { success: true; envelope: Envelope } | { success: false; message: string } {
  if (!isRecord(value)) return fail(`expected object, received ${typeName(value)}`);
  if (value.v !== 1) return fail('v: expected 1');
  for (const key of ['id', 'sourceId'] as const) {
    if (!isNonEmptyString(value[key])) return fail(`${key}: expected a non-empty string`);
  }
  if (!channelSet.has(value.channel)) {
    return fail(`channel: expected one of ${channels.map((name) => `"${name}"`).join('|')}`);
  }
  if (typeof value.receivedAt !== 'string' || !isoDateTime.test(value.receivedAt)) {
    return fail('receivedAt: Invalid ISO datetime');
  }
  if (!isNonEmptyString(value.dedupeKey)) return fail('dedupeKey: expected a non-empty string');
  const fields = record(value.fields, isFieldValue);
  if (!fields) return fail('fields: expected a record of strings or lists of strings');
  const context = record(value.context, (item) => typeof item === 'string');
  if (!context) return fail('context: expected a record of strings');
  if (value.test !== undefined && typeof value.test !== 'boolean') return fail('test: expected boolean');
  let fetch: Envelope['fetch'];
  if (value.fetch !== undefined) {
    const given = value.fetch;
    if (!isRecord(given) || (given.provider !== 'meta' && given.provider !== 'linkedin')) {
      return fail('fetch.provider: expected one of "meta"|"linkedin"');
    }
    if (!isNonEmptyString(given.id)) return fail('fetch.id: expected a non-empty string');
    fetch = { provider: given.provider, id: given.id };
  }
  const envelope: Envelope = {
    v: 1,
    id: value.id as string,
    sourceId: value.sourceId as string,
    channel: value.channel as Envelope['channel'],
    receivedAt: value.receivedAt,
    dedupeKey: value.dedupeKey as string,
    fields: fields as Envelope['fields'],
    context: context as Envelope['context'],
    ...(value.test === undefined ? {} : { test: value.test as boolean }),
    ...(fetch === undefined ? {} : { fetch }),
  };
  return { success: true, envelope };
}

const channelSet = new Set<unknown>(channels);

/** zod's `z.iso.datetime()`: a calendar date (leap years included), `T`, time with seconds, `Z`. */
const isoDateTime = new RegExp(
  '^(?:(?:\\d\\d[2468][048]|\\d\\d[13579][26]|\\d\\d0[48]|[02468][048]00|[13579][26]00)-02-29|' +
    '\\d{4}-(?:(?:0[13578]|1[02])-(?:0[1-9]|[12]\\d|3[01])|(?:0[469]|11)-(?:0[1-9]|[12]\\d|30)|' +
    '(?:02)-(?:0[1-9]|1\\d|2[0-8])))T(?:(?:[01]\\d|2[0-3]):[0-5]\\d:[0-5]\\d(?:\\.\\d+)?(?:Z))$',
);

function fail(message: string): { success: false; message: string } {
  return { success: false, message };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isNonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value.length >= 1;
}

function isFieldValue(value: unknown): boolean {
  return (
    typeof value === 'string' || (Array.isArray(value) && value.every((item) => typeof item === 'string'))
  );
}

/** `z.record(z.string(), item)`: own enumerable string keys, each value checked; a copy built as zod builds it. */
function record(value: unknown, isItem: (item: unknown) => boolean): Record<string, unknown> | undefined {
  if (!isRecord(value)) return undefined;
  const copy: Record<string, unknown> = {};
  for (const key of Reflect.ownKeys(value)) {
    if (typeof key !== 'string') continue;
    if (!Object.prototype.propertyIsEnumerable.call(value, key)) continue;
    const item = value[key];
    if (!isItem(item)) return undefined;
    // plain assignment, as zod builds its output (a `__proto__` key does not survive; deliver keeps
    // the original `fields` map for that reason)
    copy[key] = item;
  }
  return copy;
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  return Array.isArray(value) ? 'array' : typeof value;
}
