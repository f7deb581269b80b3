import fc from 'fast-check';
import { ulid } from 'ulid';
import { describe, expect, it } from 'vitest';
import {
  CANARY_MESSAGE,
  personalValues,
  personalValuesIn,
  scanLines,
  verdict,
} from '#test/integration/pii-scan.global.ts';

/** Test data written the ways the integration tests write it. */
const testCode = `
  const body = JSON.stringify({ first_name: 'Zoë', last_name: 'Müller', email: ' ZOE@Example.TEST ', phone: '+34 600 000 000' });
  form.append('first_name', 'Jörg');
  form.append('last_name', 'Šimek');
  const payload = 'first_name=Ana&last_name=Ruiz';
  const changes = [{ field: 'name', value: 'Tina Tok' }];
  const google = [{ column_name: 'Full Name', string_value: 'Gina Googler', column_id: 'FULL_NAME' }];
  const expected = { FirstName: 'Paula', LastName: 'Partner' };
  const secrets = { IT_ACME_KEY: 'it-acme-key-new', 'x-api-key': 'abcdef123456' };
  const lead = { first_name: 'X', last_name: name, note: 'first_name' };
`;
const values = personalValuesIn(
  [testCode],
  ['sandbox-token'],
  ['lead:\n  - { name: Lead source, value: Website }'],
);

/** A log line as Powertools writes it, with `extra` keys. */
const logLine = (extra: Record<string, unknown>) =>
  JSON.stringify({
    level: 'INFO',
    message: 'lead queued',
    timestamp: new Date().toISOString(),
    service: 'leadgate',
    function_request_id: `local-${ulid()}`,
    ...extra,
  });

describe('personal values of the test data', () => {
  it('finds the names, e-mail addresses, phone numbers and secrets however the tests write them', () => {
    // Assess
    expect(values.words).toEqual(
      expect.arrayContaining([
        'Zoë',
        'Müller',
        'Jörg',
        'Šimek',
        'Ana',
        'Ruiz',
        'Tina Tok',
        'Tina',
        'Gina Googler',
        'Googler',
        'Paula',
        'Partner',
        '+34 600 000 000',
        'it-acme-key-new',
        'abcdef123456',
        'sandbox-token',
      ]),
    );
    expect(values.emails).toEqual(['zoe@example.test']);
    expect(values.digits).toEqual(['34600000000']);
  });

  it('leaves out one-letter names, field names and variables', () => {
    // Assess
    expect(values.words).not.toEqual(expect.arrayContaining(['X']));
    expect(values.words).not.toContain('first_name');
    expect(values.words).not.toContain('name');
  });

  it('reads the real integration data: Zoë, Müller and their e-mail address are in it', () => {
    // Act
    const real = personalValues();

    // Assess
    expect(real.words).toEqual(expect.arrayContaining(['Zoë', 'Müller']));
    expect(real.emails).toContain('zoe@example.test');
    expect(real.words).not.toContain('Lead');
  });
});

describe('scanLines', () => {
  const marker = (file: string) => JSON.stringify({ _testFile: file });
  const canary = JSON.stringify({ level: 'INFO', message: CANARY_MESSAGE });
  const clean = fc.record({
    sourceId: fc.constantFrom('demo-contact', 'it-acme', 'fz-form', '_unrouted'),
    leadId: fc.constant(null).map(() => ulid()),
    outcome: fc.constantFrom('delivered', 'permanent', 'transient'),
    durationMs: fc.nat(100_000),
    status: fc.constantFrom(200, 201, 400, 422, 503),
    leadgenId: fc.bigInt({ min: 10n ** 15n, max: 10n ** 19n }).map(String),
    detail: fc.constantFrom(
      'FirstName: required, but first_name has no value',
      'Too Many Requests',
      '[email] is invalid',
    ),
  });

  it('finds a personal value wherever a log line carries it (any key, any case of an e-mail)', () => {
    // Prepare
    const leaked = fc.oneof(
      fc.constantFrom(...values.words),
      fc.constantFrom(...values.emails).map((email) => email.toUpperCase()),
      fc.constantFrom('+34600000000', '34600000000', '+1 (650) 555-0123', 'someone.else@example.org'),
    );

    fc.assert(
      fc.property(clean, leaked, fc.constantFrom('detail', 'name', 'nested'), (line, value, key) => {
        // Act
        const report = scanLines(
          [
            marker('test/integration/x.test.ts'),
            canary,
            logLine({ ...line, [key]: key === 'nested' ? { a: [value] } : `x ${value} y` }),
          ],
          values,
        );

        // Assess
        expect(report.hits.length, value).toBeGreaterThan(0);
        expect(report.hits[0]?.testFile).toBe('test/integration/x.test.ts');
        expect(verdict(report)).toMatch(/personal data in the logs/);
      }),
      { numRuns: 500 },
    );
  });

  it('finds nothing in lines of ids, sources, outcomes, durations and redacted details', () => {
    fc.assert(
      fc.property(fc.array(clean, { minLength: 1, maxLength: 5 }), (lines) => {
        // Act
        const report = scanLines(
          [marker('test/integration/x.test.ts'), canary, ...lines.map(logLine)],
          values,
        );

        // Assess
        expect(report.hits).toEqual([]);
        expect(verdict(report)).toBeUndefined();
      }),
      { numRuns: 300 },
    );
  });

  it('finds a value JSON-escaped in the line (\\u00eb)', () => {
    // Act
    const report = scanLines(['{"level":"INFO","message":"x","who":"Zo\\u00eb"}'], values);

    // Assess
    expect(report.hits.map((hit) => hit.found)).toEqual(['Zoë']);
  });

  it('fails when files ran but their canaries were not captured (the scan would pass vacuously)', () => {
    // Act
    const report = scanLines(
      [marker('test/integration/a.test.ts'), marker('test/integration/b.test.ts'), canary],
      values,
    );

    // Assess
    expect(verdict(report)).toMatch(/2 integration file\(s\) ran but only 1 canary/);
  });

  it('passes when no integration file ran at all (every test filtered out)', () => {
    // Act
    const report = scanLines([], values);

    // Assess
    expect(verdict(report)).toBeUndefined();
  });
});
