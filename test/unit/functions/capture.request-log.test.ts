import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { signed } from '#test/support/fuzz/auth.ts';
import { fuzzCaptureWithLogs } from '#test/support/fuzz/capture.ts';
import {
  apiEvent,
  describeRequest,
  type FuzzRequest,
  fuzzRequest,
  routeNames,
} from '#test/support/fuzz/requests.ts';
import { FORM_ORIGIN, fuzzIds, fuzzSecrets } from '#test/support/fuzz/sources.ts';

// Log at INFO, as deployed (set before the logger is built).
const previousLogLevel = vi.hoisted(() => {
  const previous = process.env.POWERTOOLS_LOG_LEVEL;
  process.env.POWERTOOLS_LOG_LEVEL = 'INFO';
  return previous;
});

const harness = fuzzCaptureWithLogs(previousLogLevel);

/** Sends one request through the capture handler: its answer, what it queued and its INFO lines. */
async function send(request: FuzzRequest) {
  const { capture } = harness;
  const before = capture.enqueued.length;
  const logs = harness.recordLogs();
  const result = await capture.invoke(apiEvent(request));
  return {
    result,
    queued: capture.enqueued.splice(before),
    info: logs.filter((line) => line.level === 'INFO'),
  };
}

function post(
  route: FuzzRequest['route'],
  options: Partial<Omit<FuzzRequest, 'body'>> & { body: string },
): FuzzRequest {
  const sourceId = options.pathParameters?.sourceId;
  const routeKeys: Partial<Record<FuzzRequest['route'], string>> = {
    form: 'POST /v1/forms/{sourceId}',
    'google-ads': 'POST /v1/webhooks/google-ads/{sourceId}',
    meta: 'POST /v1/webhooks/meta',
  };
  return {
    route,
    method: 'POST',
    routeKey: routeKeys[route] ?? '',
    path: sourceId ? `/v1/${route}/${sourceId}` : `/v1/${route}`,
    pathParameters: {},
    query: {},
    base64: false,
    ...options,
    headers: { 'content-type': 'application/json', ...options.headers },
    body: Buffer.from(options.body),
  };
}

const metaNotification =
  `{"object":"page","entry":[{"id":"${fuzzIds.page}","time":1714644422,"changes":[{"field":"leadgen",` +
  `"value":{"ad_id":23851234567890123,"form_id":${fuzzIds.form},"leadgen_id":1202123456789012345,` +
  `"created_time":1714644421,"page_id":${fuzzIds.page}}},{"field":"feed","value":{}}]}]}`;

describe('capture handler: one INFO line per request', () => {
  it('writes a signed Meta notification as one line: the request line with the counts and the lead id', async () => {
    // Prepare
    const body = Buffer.from(metaNotification);
    const request = post('meta', {
      body: metaNotification,
      headers: { ...signed('meta', body) },
    });

    // Act
    const { result, queued, info } = await send(request);

    // Assess
    expect(result.statusCode).toBe(200);
    expect(info).toHaveLength(1);
    expect(info[0]).toMatchObject({
      message: 'request',
      route: 'POST /v1/webhooks/meta',
      outcome: 'accepted',
      status: 200,
      channel: 'meta',
      leads: 1,
      unrouted: 0,
      ignoredChanges: 1,
      invalidChanges: 0,
      leadId: queued[0]?.id,
    });
  });

  it('names the queued lead of a Google Ads webhook, whose answer is an empty object', async () => {
    // Prepare
    const request = post('google-ads', {
      pathParameters: { sourceId: 'fz-google' },
      body: JSON.stringify({ lead_id: 'L-1', google_key: fuzzSecrets.FZ_GOOGLE_KEY, user_column_data: [] }),
    });

    // Act
    const { result, queued, info } = await send(request);

    // Assess
    expect(result.body).toBe('{}');
    expect(queued).toHaveLength(1);
    expect(info).toEqual([
      expect.objectContaining({ message: 'request', sourceId: 'fz-google', leadId: queued[0]?.id }),
    ]);
  });

  it('gives the code of a Google Ads rejection, which Google receives as {"message"} only', async () => {
    // Prepare
    const request = post('google-ads', {
      pathParameters: { sourceId: 'fz-google' },
      body: JSON.stringify({ lead_id: 'L-2', google_key: 'not-the-key' }),
    });

    // Act
    const { result, info } = await send(request);

    // Assess
    expect(result.statusCode).toBe(403);
    expect(info).toEqual([
      expect.objectContaining({ outcome: 'rejected', status: 403, code: 'invalid_google_key' }),
    ]);
  });

  it('says why a classic form post was sent to its failure page', async () => {
    // Prepare: the strict form's failure redirect; no e-mail address, so the mapping refuses it
    const request = post('form', {
      pathParameters: { sourceId: 'fz-form' },
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        accept: 'text/html',
        origin: FORM_ORIGIN,
      },
      body: '_gotcha=',
    });

    // Act
    const { result, info } = await send(request);

    // Assess
    expect(result.statusCode).toBe(303);
    expect(info).toEqual([
      expect.objectContaining({ outcome: 'rejected', status: 303, code: 'validation_failed' }),
    ]);
  });

  it('marks a honeypot post as dropped, under the id its sender was given', async () => {
    // Prepare
    const request = post('form', {
      pathParameters: { sourceId: 'fz-form' },
      headers: { accept: 'application/json', origin: FORM_ORIGIN },
      body: JSON.stringify({ email: 'bot@example.test', _gotcha: 'filled' }),
    });

    // Act
    const { result, queued, info } = await send(request);

    // Assess
    expect(queued).toEqual([]);
    expect(info).toEqual([
      expect.objectContaining({
        outcome: 'accepted',
        dropped: 'honeypot',
        leadId: JSON.parse(String(result.body)).id,
      }),
    ]);
  });

  it('keeps the log fields out of the answer the sender gets', async () => {
    // Prepare
    const body = Buffer.from(metaNotification);
    const request = post('meta', {
      body: metaNotification,
      headers: { ...signed('meta', body) },
    });

    // Act
    const { result } = await send(request);

    // Assess
    expect(JSON.parse(JSON.stringify(result))).toEqual({
      statusCode: 200,
      headers: result.headers,
      body: '{"received":1}',
    });
  });

  it('writes exactly one INFO line, the request line, for any request on any route', async () => {
    const anyRoute = fc.constantFrom(...routeNames).chain(fuzzRequest);
    await fc.assert(
      fc.asyncProperty(anyRoute, async (request) => {
        // Act
        const { info } = await send(request);

        // Assess
        expect(
          info.map((line) => line.message),
          describeRequest(request),
        ).toEqual(['request']);
      }),
      { numRuns: 300 },
    );
  });
});
