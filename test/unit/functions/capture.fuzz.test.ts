import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { fuzzCaptureWithLogs } from '#test/support/fuzz/capture.ts';
import { contractProblems } from '#test/support/fuzz/contract.ts';
import type { LogLine } from '#test/support/fuzz/logs.ts';
import {
  apiEvent,
  describeRequest,
  type FuzzRequest,
  fuzzRequest,
  type RouteName,
  routeNames,
} from '#test/support/fuzz/requests.ts';
import { FORM_ORIGIN, fuzzSecrets } from '#test/support/fuzz/sources.ts';
import { watchCrashes, within } from '#test/support/fuzz/watch.ts';

// Log at INFO, as deployed, so the log properties see every line (set before the logger is built).
const previousLogLevel = vi.hoisted(() => {
  const previous = process.env.POWERTOOLS_LOG_LEVEL;
  process.env.POWERTOOLS_LOG_LEVEL = 'INFO';
  return previous;
});

/** Runs per route: each route's property stays within a few seconds. */
const RUNS_PER_ROUTE = 1000;
/** A request that has not been answered by then hangs (a Lambda would time out: a 5xx). */
const ANSWER_WITHIN_MS = 5000;

const harness = fuzzCaptureWithLogs(previousLogLevel);

async function send(request: FuzzRequest) {
  const { capture } = harness;
  const before = { queued: capture.enqueued.length, refused: capture.refused.length };
  const lines = harness.recordLogs();
  const result = await within(ANSWER_WITHIN_MS, capture.invoke(apiEvent(request)), request.routeKey);
  // taken out of the stub queue, so a long run holds no envelopes
  return {
    result,
    queued: capture.enqueued.splice(before.queued),
    refused: capture.refused.splice(before.refused),
    lines,
  };
}

describe('capture handler: fuzzed requests on every route', () => {
  it.each(routeNames)(
    '%s: never a 5xx or a crash, always the contract’s answer',
    async (route: RouteName) => {
      // Prepare
      const crashes = watchCrashes();

      try {
        await fc.assert(
          fc.asyncProperty(fuzzRequest(route), async (request) => {
            // Act
            const { result, queued } = await send(request);

            // Assess
            expect(contractProblems(request, result, queued), describeRequest(request)).toEqual([]);
          }),
          { numRuns: RUNS_PER_ROUTE },
        );
      } finally {
        crashes.stop();
      }
      expect(crashes.errors).toEqual([]);
    },
  );
});

describe('capture handler: logs', () => {
  const anyRoute = fc.constantFrom(...routeNames).chain(fuzzRequest);

  it('writes one structured request line per request, with source, lead id, outcome and durationMs', async () => {
    await fc.assert(
      fc.asyncProperty(anyRoute, async (request) => {
        // Act
        const { result, lines } = await send(request);

        // Assess
        const summaries = lines.filter((line) => typeof line.durationMs === 'number');
        expect(summaries, describeRequest(request)).toHaveLength(1);
        const [summary] = summaries as [LogLine];
        expect(typeof summary.outcome).toBe('string');
        const sourceId = request.pathParameters.sourceId;
        if (sourceId?.startsWith('fz-')) expect(summary.sourceId).toBe(sourceId);
        // A Meta verification echoes its challenge as plain text, which may start with '{' too.
        const answered = jsonOrEmpty(result.body);
        if (typeof answered.id === 'string') expect(summary.leadId).toBe(answered.id);
      }),
      { numRuns: 100 },
    );
  });

  it('never logs a value the sender posted (names, e-mails, phones, tokens)', async () => {
    // Prepare: personal values and secrets in every place a sender can put them
    const marker = 'Zoë-Müller-7f3a';
    const email = 'zoe.mueller.7f3a@example.test';
    const phone = '+34 600 111 222';
    const withPersonalData = (request: FuzzRequest): FuzzRequest => {
      const lead = { first_name: marker, last_name: marker, email, phone, name: `${marker} ${marker}` };
      const json = Buffer.from(JSON.stringify(lead));
      const headers = Object.fromEntries(
        Object.entries(request.headers).filter(([name]) => !name.startsWith('webhook-')),
      );
      return {
        ...request,
        headers: {
          ...headers,
          'content-type': 'application/json',
          origin: FORM_ORIGIN,
          'x-api-key': fuzzSecrets.FZ_PARTNER_KEY,
        },
        query: { ...request.query, utm_campaign: marker, 'hub.challenge': marker, challengeCode: marker },
        body: request.route === 'form' || request.route === 'partner' ? json : request.body,
      };
    };

    await fc.assert(
      fc.asyncProperty(anyRoute.map(withPersonalData), async (request) => {
        // Act
        const { lines } = await send(request);

        // Assess
        const text = lines.map((line) => JSON.stringify(line)).join('\n');
        for (const value of [marker, email, '600 111 222', 'fz-partner-api-key', 'fz-google-key']) {
          expect(text, describeRequest(request)).not.toContain(value);
        }
      }),
      { numRuns: 150 },
    );
  });
});

/** `first_name=Zoë&m0=xxx…&m1=…`: 256 KiB minus 16 bytes, no value over the 65,536-character limit. */
function plainBodyJustUnderTheLimit(): string {
  const target = 256 * 1024 - 16;
  let body = 'first_name=Zo%C3%AB';
  for (let index = 0; body.length < target; index++) {
    const head = `&m${index}=`;
    body += head + 'x'.repeat(Math.min(65_536, target - body.length - head.length));
  }
  return body;
}

describe('capture handler: leads the queue cannot take are never a 503', () => {
  /** A form post to the open form source, as a browser sends it. */
  const formPost = (body: string, contentType = 'application/x-www-form-urlencoded'): FuzzRequest => ({
    route: 'form',
    method: 'POST',
    routeKey: 'POST /v1/forms/{sourceId}',
    path: '/v1/forms/fz-form-open',
    pathParameters: { sourceId: 'fz-form-open' },
    headers: { 'content-type': contentType, accept: 'application/json' },
    query: {},
    body: Buffer.from(body),
    base64: false,
  });

  it.each([
    ['U+FFFF in a form field', formPost('first_name=Zo%C3%AB&last_name=%EF%BF%BF')],
    ['U+FFFE in a JSON field', formPost('{"first_name":"Zoë","last_name":"\\ufffe"}', 'application/json')],
    [
      'U+FFFE as a Google Ads column name',
      {
        ...formPost(
          `{"lead_id":"1","google_key":"${fuzzSecrets.FZ_GOOGLE_KEY}","user_column_data":[{"column_name":"\\ufffe","string_value":"x"}]}`,
          'application/json',
        ),
        route: 'google-ads',
        routeKey: 'POST /v1/webhooks/google-ads/{sourceId}',
        path: '/v1/webhooks/google-ads/fz-google',
        pathParameters: { sourceId: 'fz-google' },
      } satisfies FuzzRequest,
    ],
  ])('%s: stored or refused with a 4xx', async (_case, request) => {
    // Act
    const { result, queued } = await send(request);

    // Assess
    expect(contractProblems(request, result, queued)).toEqual([]);
  });

  it.each([
    [
      'a value of 65,536 control characters (196 KB urlencoded: 393 KB as JSON)',
      `first_name=Zo%C3%AB&message=${'%01'.repeat(65_536)}`,
    ],
    [
      'a plain ASCII body just under the 256 KiB body limit, every value within its limit',
      plainBodyJustUnderTheLimit(),
    ],
  ])(
    '%s: the body limit admits it, so the queue must take it (or capture refuses it with 413)',
    async (_case, body) => {
      // Prepare
      const request = formPost(body);
      expect(request.body.length).toBeLessThanOrEqual(256 * 1024);

      // Act
      const { result, queued } = await send(request);

      // Assess
      expect(contractProblems(request, result, queued)).toEqual([]);
      expect(harness.capture.refused.at(-1) ?? 'nothing refused', 'the queue refused the envelope').toBe(
        'nothing refused',
      );
    },
  );
});

function jsonOrEmpty(body: unknown): Record<string, unknown> {
  if (typeof body !== 'string' || !body.startsWith('{')) return {};
  try {
    return JSON.parse(body) as Record<string, unknown>;
  } catch {
    return {};
  }
}
