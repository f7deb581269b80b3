import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Request } from '@middy/core';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { count, flushMetrics } from '#shared/telemetry.ts';
import { signed } from '#test/support/fuzz/auth.ts';
import { fuzzCapture } from '#test/support/fuzz/capture.ts';
import { interceptLines, parseJsonObject } from '#test/support/fuzz/logs.ts';
import { apiEvent, type FuzzRequest } from '#test/support/fuzz/requests.ts';
import { fuzzIds } from '#test/support/fuzz/sources.ts';

// Metrics on, as deployed (Powertools reads the setting when the metrics object is built).
const previous = vi.hoisted(() => {
  const saved = process.env.POWERTOOLS_METRICS_DISABLED;
  process.env.POWERTOOLS_METRICS_DISABLED = 'false';
  return saved;
});

/** Every JSON line written to stdout/stderr (log lines and EMF lines alike). */
let lines: Record<string, unknown>[] = [];
let restore: () => void;
let capture: ReturnType<typeof fuzzCapture>;

beforeAll(() => {
  capture = fuzzCapture();
  ({ restore } = interceptLines(parseJsonObject, (line) => lines.push(line)));
});
afterAll(() => {
  restore();
  capture.cleanup();
  if (previous === undefined) delete process.env.POWERTOOLS_METRICS_DISABLED;
  else process.env.POWERTOOLS_METRICS_DISABLED = previous;
});

const emfLines = () => lines.filter((line) => typeof line._aws === 'object');

function metaPost(leadIds: string[]): FuzzRequest {
  const changes = leadIds.map(
    (id) =>
      `{"field":"leadgen","value":{"leadgen_id":${id},"form_id":${fuzzIds.form},"page_id":${fuzzIds.page}}}`,
  );
  const body = Buffer.from(
    `{"object":"page","entry":[{"id":"${fuzzIds.page}","changes":[${changes.join(',')}]}]}`,
  );
  return {
    route: 'meta',
    method: 'POST',
    routeKey: 'POST /v1/webhooks/meta',
    path: '/v1/webhooks/meta',
    pathParameters: {},
    headers: { 'content-type': 'application/json', ...signed('meta', body) },
    query: {},
    body,
    base64: false,
  };
}

describe('flushMetrics', () => {
  it('publishes one EMF line per invocation, each metric once with the invocation’s sum', async () => {
    // Prepare
    lines = [];

    // Act
    const result = await capture.invoke(apiEvent(metaPost(['12021234567890123', '1202123456789012345'])));

    // Assess
    expect(result.statusCode).toBe(200);
    const emf = emfLines();
    expect(emf).toHaveLength(1);
    expect(emf[0]).toMatchObject({
      _aws: {
        CloudWatchMetrics: [
          {
            Namespace: 'leadgate',
            Dimensions: [['service']],
            Metrics: expect.arrayContaining([
              { Name: 'lead_accepted', Unit: 'Count' },
              { Name: 'meta_leadgen', Unit: 'Count' },
            ]),
          },
        ],
      },
      service: 'leadgate',
      lead_accepted: 2,
      meta_leadgen: 2,
    });
  });

  it('publishes nothing for an invocation that counted nothing', async () => {
    // Prepare
    lines = [];
    const health: FuzzRequest = {
      ...metaPost([]),
      route: 'health',
      method: 'GET',
      routeKey: 'GET /health',
      path: '/health',
      headers: {},
      body: Buffer.alloc(0),
    };

    // Act
    const result = await capture.invoke(apiEvent(health));

    // Assess
    expect(result.statusCode).toBe(200);
    expect(emfLines()).toEqual([]);
  });

  it('starts each invocation’s metrics afresh', async () => {
    // Prepare
    await capture.invoke(apiEvent(metaPost(['12021234567890123'])));
    lines = [];

    // Act
    await capture.invoke(apiEvent(metaPost(['1202123456789012399'])));

    // Assess
    expect(emfLines()).toEqual([expect.objectContaining({ lead_accepted: 1, meta_leadgen: 1 })]);
  });

  it('writes the document Powertools Metrics would publish for the same counts', async () => {
    // Prepare
    const publish = flushMetrics().after as (request: Request) => Promise<void>;
    const name = fc.stringMatching(/^[a-z][a-z_]{0,40}$/).filter((text) => text !== 'service');
    const counts = fc.uniqueArray(fc.tuple(name, fc.integer({ min: 1, max: 1000 })), {
      minLength: 1,
      maxLength: 20,
      selector: ([metric]) => metric,
    });

    await fc.assert(
      fc.asyncProperty(counts, async (pairs) => {
        lines = [];
        for (const [metric, value] of pairs) count(metric, value);

        // Act
        await publish({} as Request);

        // Assess
        const reference = new Metrics({ namespace: 'leadgate', serviceName: 'leadgate' });
        for (const [metric, value] of pairs) reference.addMetric(metric, MetricUnit.Count, value);
        const expected = reference.serializeMetrics();
        const [line] = emfLines() as [typeof expected];
        expect(emfLines()).toHaveLength(1);
        expect(line).toEqual({ ...expected, _aws: { ...expected._aws, Timestamp: line._aws.Timestamp } });
        expect(Math.abs(line._aws.Timestamp - Date.now())).toBeLessThan(60_000);
      }),
      { numRuns: 100 },
    );
  });

  it('splits more than 100 metrics over several documents, as CloudWatch requires', async () => {
    // Prepare
    lines = [];
    const publish = flushMetrics().after as (request: Request) => Promise<void>;
    for (let index = 0; index < 150; index++) count(`metric_${index}`);

    // Act
    await publish({} as Request);

    // Assess
    const documents = emfLines() as { _aws: { CloudWatchMetrics: { Metrics: unknown[] }[] } }[];
    expect(documents.map((document) => document._aws.CloudWatchMetrics[0]?.Metrics.length)).toEqual([
      100, 50,
    ]);
    expect(
      Object.keys(Object.assign({}, ...documents)).filter((key) => key.startsWith('metric_')),
    ).toHaveLength(150);
  });
});
