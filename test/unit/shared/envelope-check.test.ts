import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { envelopeSchema } from '#shared/envelope.ts';
import { checkEnvelope } from '#shared/envelope-check.ts';

/** Mostly valid values of each key, with near misses and other types mixed in. */
const maybe = <T>(valid: fc.Arbitrary<T>, invalid: readonly unknown[]) =>
  fc.oneof({ weight: 25, arbitrary: valid }, { weight: 1, arbitrary: fc.constantFrom(...invalid) });
const dates = fc.oneof(
  {
    weight: 10,
    arbitrary: fc
      .date({ noInvalidDate: true, min: new Date(0), max: new Date('2100-01-01T00:00:00Z') })
      .map((date) => date.toISOString()),
  },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      '2024-02-29T10:00:00Z',
      '2023-02-29T10:00:00Z',
      '2100-02-29T00:00:00Z',
      '2000-02-29T00:00:00.5Z',
      '2026-11-28T10:07:02Z',
      '2026-11-28T10:07Z',
      '2026-11-28T24:00:00Z',
      '2026-11-28 10:07:02Z',
      '2026-11-28T10:07:02+01:00',
      '2026-11-31T10:07:02Z',
      '2026-04-30T10:07:02.123456Z',
      '2026-13-01T00:00:00Z',
      '',
    ),
  },
);
const strings = fc.oneof(
  fc.constantFrom('a', 'x y', '__proto__', 'constructor'),
  fc.string({ maxLength: 4 }),
);
const envelopeLike = fc
  .record(
    {
      v: maybe(fc.constant(1), [2, '1', 0, null]),
      id: maybe(fc.constantFrom('01J0', 'lead-1'), ['', 1, null]),
      sourceId: maybe(fc.constantFrom('demo-contact', 'x'), ['', null]),
      channel: maybe(fc.constantFrom('form', 'partner', 'google-ads', 'meta', 'linkedin', 'tiktok'), [
        'fax',
        'Form',
        '',
        1,
      ]),
      receivedAt: maybe(dates, [1, null]),
      dedupeKey: maybe(fc.constantFrom('k', 'form:1'), ['', 5]),
      fields: maybe(fc.dictionary(strings, fc.oneof(strings, fc.array(strings, { maxLength: 2 }))), [
        [],
        'x',
        null,
        { a: 1 },
        { a: [1] },
        { a: null },
      ]),
      context: maybe(fc.dictionary(strings, strings), [[], { a: 1 }, { a: ['x'] }, null]),
      test: maybe(fc.boolean(), ['true', 1, null]),
      fetch: maybe(
        fc.record({ provider: fc.constantFrom('meta', 'linkedin'), id: fc.constantFrom('1', '') }),
        [{ provider: 'x', id: '1' }, { provider: 'meta' }, 'meta', null],
      ),
      extra: fc.constantFrom('x', 1),
    },
    { requiredKeys: ['v', 'id', 'sourceId', 'channel', 'receivedAt', 'dedupeKey', 'fields', 'context'] },
  )
  .chain((value) =>
    // now and then without one of its keys
    fc
      .option(fc.constantFrom(...Object.keys(value)), { freq: 10 })
      .map((drop) =>
        JSON.parse(JSON.stringify(Object.fromEntries(Object.entries(value).filter(([key]) => key !== drop)))),
      ),
  ) as fc.Arbitrary<unknown>;

describe('checkEnvelope', () => {
  it('accepts exactly what envelopeSchema accepts, with the same output', () => {
    // Prepare
    const seen = { valid: 0, invalid: 0 };

    // Assess
    fc.assert(
      fc.property(envelopeLike, (value) => {
        const expected = envelopeSchema.safeParse(value);
        const checked = checkEnvelope(value);
        seen[expected.success ? 'valid' : 'invalid']++;
        expect(checked.success).toBe(expected.success);
        if (expected.success && checked.success) expect(checked.envelope).toEqual(expected.data);
      }),
      { numRuns: 5000 },
    );
    expect(seen.valid).toBeGreaterThan(500);
    expect(seen.invalid).toBeGreaterThan(500);
  }, 30_000);

  it.each([
    ['not an object', [], 'expected object, received array'],
    ['another version', { v: 2 }, 'v: expected 1'],
    [
      'a time without seconds',
      {
        v: 1,
        id: 'x',
        sourceId: 's',
        channel: 'form',
        receivedAt: '2026-11-28T10:07Z',
        dedupeKey: 'k',
        fields: {},
        context: {},
      },
      'receivedAt: Invalid ISO datetime',
    ],
  ])('names the first problem of %s', (_name, value, message) => {
    // Act
    const checked = checkEnvelope(value);

    // Assess
    expect(checked).toEqual({ success: false, message });
  });
});
