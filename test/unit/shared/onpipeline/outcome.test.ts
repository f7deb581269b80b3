import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { classifyAnswer, parseRetryAfter } from '#shared/onpipeline/outcome.ts';

const now = new Date('2025-03-01T10:00:00.000Z');

/** Onpipeline's only error shape (see the Leadsin reference). */
function onpipelineError(code: number, message: string): string {
  return JSON.stringify({
    Error: { Code: String(code), Message: message, Time: '2025-03-01 10:00:00', IP: '203.0.113.7' },
  });
}

function created(leadId: string): string {
  return JSON.stringify({
    Header: { Status: 'Created', Code: '201', Time: '2025-03-01 10:00:00', Endpoint: 'Leadsin' },
    Data: { LeadID: leadId },
  });
}

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(now);
});

afterEach(() => {
  vi.useRealTimers();
});

describe('classifyAnswer', () => {
  it('classifies 201 as delivered with the LeadID', () => {
    // Act
    const outcome = classifyAnswer(201, created('98765'));

    // Assess
    expect(outcome).toEqual({ kind: 'delivered', status: 201, leadId: '98765' });
  });

  it.each([
    ['not JSON', '<html>Created</html>'],
    ['empty', ''],
    ['JSON without Data', '{"Header":{"Status":"Created","Code":"201","Endpoint":"Leadsin"}}'],
  ])('still classifies a 201 whose body is %s as delivered', (_what, text) => {
    // Act
    const outcome = classifyAnswer(201, text);

    // Assess
    expect(outcome.kind).toBe('delivered');
  });

  it('classifies 409 as a duplicate with the message', () => {
    // Act
    const outcome = classifyAnswer(409, onpipelineError(409, 'Duplicate lead'));

    // Assess
    expect(outcome).toEqual({ kind: 'duplicate', status: 409, message: 'Duplicate lead' });
  });

  it.each([400, 406])(
    "classifies %i as permanent onpipeline_rejected with Onpipeline's message",
    (status) => {
      // Act
      const outcome = classifyAnswer(status, onpipelineError(status, 'Invalid value for Email.Type'));

      // Assess
      expect(outcome).toEqual({
        kind: 'permanent',
        status,
        reason: 'onpipeline_rejected',
        message: 'Invalid value for Email.Type',
      });
    },
  );

  it.each([401, 403, 404])('classifies %i as configuration', (status) => {
    // Act
    const outcome = classifyAnswer(status, onpipelineError(status, 'Invalid IP'));

    // Assess
    expect(outcome).toEqual({ kind: 'configuration', status, message: 'Invalid IP' });
  });

  it.each([429, 500, 502, 503, 504])('classifies %i as transient and not ambiguous', (status) => {
    // Act
    const outcome = classifyAnswer(status, onpipelineError(status, 'Internal error'), null);

    // Assess
    expect(outcome).toEqual({ kind: 'transient', status, message: 'Internal error', ambiguous: false });
  });

  it.each([
    ['delta seconds', '120', 120],
    ['an HTTP date', new Date(now.getTime() + 90_000).toUTCString(), 90],
  ])('takes retryAfterSeconds from a Retry-After in %s', (_what, header, expected) => {
    // Act
    const outcome = classifyAnswer(429, onpipelineError(429, 'Too many requests'), header);

    // Assess
    expect(outcome).toMatchObject({ kind: 'transient', retryAfterSeconds: expected });
  });

  it.each([
    [400, 'permanent'],
    [401, 'configuration'],
    [409, 'duplicate'],
    [500, 'transient'],
    [502, 'transient'],
  ])('does not throw on a non-JSON %i body and says HTTP <status>', (status, kind) => {
    // Act
    const outcome = classifyAnswer(status, '<html><body>Bad Gateway</body></html>');

    // Assess
    expect(outcome).toMatchObject({ kind, message: `HTTP ${status}` });
  });

  it.each([
    ['an empty body', ''],
    ['JSON null', 'null'],
    ['a JSON array', '[]'],
    ['an Error without Message', '{"Error":{"Code":"406"}}'],
  ])('does not throw on %s', (_what, text) => {
    // Act
    const outcome = classifyAnswer(406, text);

    // Assess
    expect(outcome).toMatchObject({ kind: 'permanent', message: 'HTTP 406' });
  });

  it('keeps at most 500 characters of a long error message', () => {
    // Act
    const outcome = classifyAnswer(406, onpipelineError(406, 'm'.repeat(5000)));

    // Assess
    expect(outcome).toMatchObject({ kind: 'permanent', message: 'm'.repeat(500) });
  });
});

describe('parseRetryAfter', () => {
  it.each([
    ['120', 120],
    [' 7 ', 7],
    ['0', 0],
    [new Date(now.getTime() + 30_000).toUTCString(), 30],
    [new Date(now.getTime() + 1_500).toUTCString(), 1],
    ['Wed, 21 Oct 2015 07:28:00 GMT', 0],
  ])('reads %j as %i seconds', (header, expected) => {
    // Act
    const seconds = parseRetryAfter(header);

    // Assess
    expect(seconds).toBe(expected);
  });

  it.each([[null], [undefined], [''], ['soon']])('is undefined for %j', (header) => {
    // Act
    const seconds = parseRetryAfter(header);

    // Assess
    expect(seconds).toBeUndefined();
  });

  it.each([['1.5'], ['-1'], ['abc 1'], ['5 seconds']])(
    'is undefined for the invalid value %j (neither delta-seconds nor an HTTP date)',
    (header) => {
      // Act
      const seconds = parseRetryAfter(header);

      // Assess
      expect(seconds).toBeUndefined();
    },
  );
});
