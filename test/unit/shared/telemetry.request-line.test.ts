import { Logger } from '@aws-lambda-powertools/logger';
import type { Context } from 'aws-lambda';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { LeadgateLogger } from '#shared/telemetry.ts';

/**
 * `logger.requestLine(fields)` must write exactly what `logger.info('request', fields)` writes
 * (Powertools Logger's line: keys, order, values, level, destination), falling back to Powertools
 * for what it does not reproduce. Each case builds two loggers in the same environment, one writing
 * through Powertools and one through the light writer, and compares every byte written to stdout
 * and stderr, the clock frozen so the timestamps match.
 */

const ENV_KEYS = [
  'POWERTOOLS_LOG_LEVEL',
  'LOG_LEVEL',
  'AWS_LAMBDA_LOG_LEVEL',
  '_X_AMZN_TRACE_ID',
  'AWS_LAMBDA_INITIALIZATION_TYPE',
  'POWERTOOLS_LOGGER_SAMPLE_RATE',
  'POWERTOOLS_DEV',
  'AWS_LAMBDA_MAX_CONCURRENCY',
  'TZ',
] as const;
type Env = Partial<Record<(typeof ENV_KEYS)[number], string>>;

let saved: Env = {};
beforeEach(() => {
  saved = Object.fromEntries(ENV_KEYS.map((key) => [key, process.env[key]]));
  vi.useFakeTimers({ toFake: ['Date'] });
});
afterEach(() => {
  for (const key of ENV_KEYS) {
    if (saved[key] === undefined) delete process.env[key];
    else process.env[key] = saved[key];
  }
  vi.useRealTimers();
  vi.restoreAllMocks();
});

function setEnv(env: Env): void {
  for (const key of ENV_KEYS) {
    const value = env[key];
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
}

/** Every chunk written to stdout and stderr while `act` runs, tagged with its stream. */
function written(act: () => void): string[] {
  const chunks: string[] = [];
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    chunks.push(`out:${String(chunk)}`);
    return true;
  });
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
    chunks.push(`err:${String(chunk)}`);
    return true;
  });
  try {
    act();
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
  return chunks;
}

function context(overrides: Partial<Context> & { tenantId?: string } = {}): Context {
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: 'leadgate-capture',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:leadgate-capture',
    memoryLimitInMB: '1024',
    awsRequestId: 'c6af9ac6-7b61-11e6-9a41-93e812345678',
    logGroupName: '/aws/lambda/leadgate-capture',
    logStreamName: '2026/12/04/[$LATEST]abc',
    getRemainingTimeInMillis: () => 10_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
    ...overrides,
  };
}

interface Case {
  env: Env;
  /** Lambda contexts added before the line (0: none, as in tests without the logger middleware). */
  contexts: (Context | undefined)[];
  fields: Record<string, unknown>;
  setLevel?: string;
  time: number;
}

/** What Powertools writes, what the light writer writes, and whether the light one used Powertools. */
function both(testCase: Case) {
  setEnv(testCase.env);
  vi.setSystemTime(testCase.time);
  const powertools = new LeadgateLogger({ serviceName: 'leadgate' });
  const light = new LeadgateLogger({ serviceName: 'leadgate' });
  const expected = written(() => {
    for (const c of testCase.contexts) if (c) powertools.addContext(c);
    if (testCase.setLevel) powertools.setLogLevel(testCase.setLevel as 'INFO');
    powertools.info('request', testCase.fields);
  });
  const printLog = vi.spyOn(Logger.prototype as unknown as { printLog(): void }, 'printLog');
  const actual = written(() => {
    for (const c of testCase.contexts) if (c) light.addContext(c);
    if (testCase.setLevel) light.setLogLevel(testCase.setLevel as 'INFO');
    light.requestLine(testCase.fields);
  });
  const viaPowertools = printLog.mock.contexts.some((self) => self === light);
  printLog.mockRestore();
  return { expected, actual, viaPowertools };
}

const key = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.constantFrom(
      'route',
      'sourceId',
      'leadId',
      'outcome',
      'status',
      'code',
      'channel',
      'durationMs',
      'count',
    ),
  },
  { weight: 3, arbitrary: fc.string({ maxLength: 12 }) },
  { weight: 1, arbitrary: fc.constantFrom('1', '0', '42', '-1', '1.5', 'toString', 'hasOwnProperty') },
);
const primitive = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.constantFrom('', 'POST /v1/forms/{sourceId}', 'naïve ☃ "quoted" \\ \n\t\u0000 \u2028 \ud800'),
  fc.integer(),
  fc.double(),
  fc.constantFrom(0, -0, Number.NaN, Number.POSITIVE_INFINITY, 1e21, 5e-7),
  fc.boolean(),
  fc.constant(undefined),
  fc.constant(null),
);
const fieldSet = fc
  .array(fc.tuple(key, primitive), { maxLength: 12 })
  .map((entries) => Object.fromEntries(entries) as Record<string, unknown>);

const lambdaContext = fc.record({
  functionName: fc.oneof(fc.constant('leadgate-capture'), fc.string({ maxLength: 20 })),
  memoryLimitInMB: fc.constantFrom('1024', '128', ''),
  awsRequestId: fc.oneof(fc.constant(''), fc.stringMatching(/^[a-f0-9-]{1,36}$/)),
  invokedFunctionArn: fc.constantFrom('arn:aws:lambda:eu-west-1:123456789012:function:leadgate-capture', ''),
  tenantId: fc.option(fc.constantFrom('tenant-a', ''), { nil: undefined }),
});

const traceHeader = fc.option(
  fc.oneof(
    fc.constant('Root=1-5759e988-bd862e3fe1be46a994272793;Parent=557abcec3ee5a047;Sampled=1'),
    fc.constant('Root=1-5759e988-bd862e3fe1be46a994272793'),
    fc.constant('Parent=557abcec3ee5a047;Sampled=0'),
    fc.constant('1-5759e988-bd862e3fe1be46a994272793'),
    fc.constantFrom('Root=1-a;Parent=b;Root=1-c', 'Root', 'Root=', 'x=1;Root=2=3', ' Root=1-d '),
    fc.constant('  '),
    fc.stringMatching(/^[A-Za-z0-9=;-]{0,40}$/),
  ),
  { nil: undefined },
);

const plainCase = fc.record({
  env: fc.record({
    POWERTOOLS_LOG_LEVEL: fc.constantFrom(undefined, 'INFO', 'DEBUG', 'TRACE', 'info'),
    _X_AMZN_TRACE_ID: traceHeader,
    AWS_LAMBDA_INITIALIZATION_TYPE: fc.constantFrom(undefined, 'on-demand', 'provisioned-concurrency'),
  }),
  contexts: fc.array(
    lambdaContext.map((c) => context(c)),
    { maxLength: 3 },
  ),
  fields: fieldSet,
  time: fc.integer({ min: 0, max: 4_102_444_800_000 }),
});

describe('logger.requestLine', () => {
  it('writes the bytes logger.info("request", fields) writes, without going through Powertools', () => {
    fc.assert(
      fc.property(plainCase, (testCase) => {
        const { expected, actual, viaPowertools } = both(testCase);
        expect(actual).toEqual(expected);
        const plainKeys = Object.keys(testCase.fields).every(
          (name) => !['__proto__', 'constructor'].includes(name),
        );
        if (plainKeys) expect(viaPowertools).toBe(false);
      }),
      { numRuns: 300 },
    );
  });

  it('writes the line as deployed: Powertools keys in order, then the fields, on stdout', () => {
    const { expected, actual, viaPowertools } = both({
      env: {
        _X_AMZN_TRACE_ID: 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=557abcec3ee5a047;Sampled=1',
        AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
        POWERTOOLS_LOG_LEVEL: 'INFO',
      },
      contexts: [context()],
      fields: {
        route: 'POST /v1/forms/{sourceId}',
        sourceId: 'demo-contact',
        leadId: '01JLEAD',
        outcome: 'accepted',
        status: 202,
        durationMs: 1.25,
      },
      time: Date.UTC(2026, 11, 4, 22, 0, 0, 7),
    });
    expect(viaPowertools).toBe(false);
    expect(actual).toEqual(expected);
    expect(actual).toEqual([
      'out:{"level":"INFO","message":"request","timestamp":"2026-12-04T22:00:00.007Z","service":"leadgate",' +
        '"cold_start":true,"function_arn":"arn:aws:lambda:eu-west-1:123456789012:function:leadgate-capture",' +
        '"function_memory_size":"1024","function_name":"leadgate-capture",' +
        '"function_request_id":"c6af9ac6-7b61-11e6-9a41-93e812345678","sampling_rate":0,' +
        '"xray_trace_id":"1-5759e988-bd862e3fe1be46a994272793","route":"POST /v1/forms/{sourceId}",' +
        '"sourceId":"demo-contact","leadId":"01JLEAD","outcome":"accepted","status":202,"durationMs":1.25}\n',
    ]);
  });

  it('leaves to Powertools what it does not reproduce, with the same bytes', () => {
    const unusual: Record<string, unknown>[] = [
      { message: 'x', status: 200 },
      { level: 'DEBUG' },
      { function_name: 'other', status: 500 },
      { xray_trace_id: 'x' },
      { nested: { a: 1, b: [1, 2] } },
      { list: ['a', 'b'] },
      { big: 10n },
      { error: new Error('boom') },
      { when: new Date(0) },
    ];
    for (const fields of unusual) {
      const { expected, actual, viaPowertools } = both({
        env: { POWERTOOLS_LOG_LEVEL: 'INFO' },
        contexts: [context()],
        fields,
        time: 1_700_000_000_000,
      });
      expect(viaPowertools, JSON.stringify(Object.keys(fields))).toBe(true);
      expect(actual).toEqual(expected);
    }
  });

  it.each<[string, Env]>([
    ['debug sampling', { POWERTOOLS_LOGGER_SAMPLE_RATE: '1', POWERTOOLS_LOG_LEVEL: 'INFO' }],
    ['POWERTOOLS_DEV (pretty lines)', { POWERTOOLS_DEV: 'true', POWERTOOLS_LOG_LEVEL: 'INFO' }],
  ])('leaves the line to Powertools with %s', (_name, env) => {
    const { expected, actual, viaPowertools } = both({
      env,
      contexts: [context()],
      fields: { route: 'GET /health', status: 200 },
      time: 1_700_000_000_000,
    });
    expect(viaPowertools).toBe(true);
    expect(actual).toEqual(expected);
  });

  it('hands the line to logger.info with concurrent invocations (Powertools scopes them)', () => {
    // Powertools keeps per-invocation state in Lambda's InvokeStore then, absent outside Lambda: its
    // own info() is replaced here, on the prototype (an instance override alone sends it there too)
    setEnv({ AWS_LAMBDA_MAX_CONCURRENCY: '4', POWERTOOLS_LOG_LEVEL: 'INFO' });
    const info = vi.spyOn(LeadgateLogger.prototype, 'info').mockImplementation(() => undefined);
    const logger = new LeadgateLogger({ serviceName: 'leadgate' });
    const fields = { route: 'GET /health', status: 200 };
    const lines = written(() => logger.requestLine(fields));
    expect(lines).toEqual([]);
    expect(info).toHaveBeenCalledWith('request', fields);
  });

  it.each([
    ['Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1', true],
    [undefined, true],
    ['', false],
  ])('reads the trace id of the invocation first (awslambda.InvokeStore: %s)', (fromStore, envUsed) => {
    const runtime = globalThis as { awslambda?: unknown };
    runtime.awslambda = { InvokeStore: { getXRayTraceId: () => fromStore } };
    try {
      const { expected, actual, viaPowertools } = both({
        env: { _X_AMZN_TRACE_ID: 'Root=1-00000000-env', POWERTOOLS_LOG_LEVEL: 'INFO' },
        contexts: [context()],
        fields: { status: 202 },
        time: 1_700_000_000_000,
      });
      expect(viaPowertools).toBe(false);
      expect(actual).toEqual(expected);
      expect(actual[0]?.includes('1-00000000-env')).toBe(fromStore === undefined && envUsed);
    } finally {
      delete runtime.awslambda;
    }
  });

  it('writes the Powertools timestamp in a non-UTC TZ', () => {
    const { expected, actual, viaPowertools } = both({
      env: { TZ: 'Europe/Madrid', POWERTOOLS_LOG_LEVEL: 'INFO' },
      contexts: [context()],
      fields: { route: 'GET /health', status: 200 },
      time: Date.UTC(2026, 6, 1, 12, 30, 0, 5),
    });
    expect(viaPowertools).toBe(false);
    expect(actual).toEqual(expected);
    expect(actual[0]).toContain('"timestamp":"2026-07-01T14:30:00.005+02:00"');
  });

  it('leaves the line to Powertools once keys are appended, and takes it back after resetKeys', () => {
    setEnv({ POWERTOOLS_LOG_LEVEL: 'INFO' });
    vi.setSystemTime(1_700_000_000_000);
    const logger = new LeadgateLogger({ serviceName: 'leadgate' });
    logger.addContext(context());
    logger.appendKeys({ correlation_id: 'abc' });
    const lines = written(() => logger.requestLine({ status: 202 }));
    expect(JSON.parse(lines[0]?.slice(4) ?? '')).toMatchObject({ correlation_id: 'abc', status: 202 });
    logger.resetKeys();
    const after = written(() => logger.requestLine({ status: 202 }));
    expect(JSON.parse(after[0]?.slice(4) ?? '')).not.toHaveProperty('correlation_id');
  });

  it('leaves the line to Powertools when its print method is replaced (npm start terminal log)', () => {
    setEnv({ POWERTOOLS_LOG_LEVEL: 'INFO' });
    const logger = new LeadgateLogger({ serviceName: 'leadgate' });
    const printed: unknown[] = [];
    (logger as unknown as { printLog(level: number, item: unknown): void }).printLog = (_level, item) =>
      printed.push(item);
    const lines = written(() => logger.requestLine({ status: 202 }));
    expect(lines).toEqual([]);
    expect(printed).toHaveLength(1);
  });
});

describe('logger.requestLine and the log level', () => {
  it.each<[string, Env, string | undefined, boolean]>([
    ['INFO from POWERTOOLS_LOG_LEVEL', { POWERTOOLS_LOG_LEVEL: 'INFO' }, undefined, true],
    ['INFO by default', {}, undefined, true],
    ['DEBUG from LOG_LEVEL', { LOG_LEVEL: 'DEBUG' }, undefined, true],
    ['WARN from POWERTOOLS_LOG_LEVEL', { POWERTOOLS_LOG_LEVEL: 'WARN' }, undefined, false],
    ['ERROR from LOG_LEVEL', { LOG_LEVEL: 'ERROR' }, undefined, false],
    [
      'WARN from Lambda (AWS_LAMBDA_LOG_LEVEL)',
      { AWS_LAMBDA_LOG_LEVEL: 'WARN', LOG_LEVEL: 'INFO' },
      undefined,
      false,
    ],
    ['INFO set at run time over WARN', { POWERTOOLS_LOG_LEVEL: 'WARN' }, 'INFO', true],
    ['ERROR set at run time over INFO', { POWERTOOLS_LOG_LEVEL: 'INFO' }, 'ERROR', false],
    ['SILENT set at run time', { POWERTOOLS_LOG_LEVEL: 'INFO' }, 'SILENT', false],
  ])('%s: a line only at INFO or below, as Powertools', (_name, env, setLevel, wanted) => {
    const { expected, actual } = both({
      env,
      contexts: [context()],
      fields: { route: 'GET /health', status: 200 },
      ...(setLevel ? { setLevel } : {}),
      time: 1_700_000_000_000,
    });
    expect(actual).toEqual(expected);
    expect(actual.filter((chunk) => chunk.includes('"message":"request"'))).toHaveLength(wanted ? 1 : 0);
  });
});
