import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createCaptureHandler } from '#functions/capture.ts';
import { deliveryDeps } from '#functions/delivery-deps.ts';
import { lambdaContext } from '#local/poller.ts';
import { secretStore } from '#shared/security/secrets.ts';
import { logger } from '#shared/telemetry.ts';
import { httpApiEvent } from '#test/support/api-event.ts';
import { recordingLeadQueue } from '#test/support/queue.ts';

/** The deployed `handler`, loaded afresh: it builds its dependencies from the environment once. */
async function deployedHandler() {
  vi.resetModules();
  const { handler } = await import('#functions/capture.ts');
  return (event: APIGatewayProxyEventV2) => handler(event, lambdaContext('leadgate-capture'));
}

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('the capture function as deployed (handler)', () => {
  it('answers GET /health with the dependencies of the Lambda environment', async () => {
    // Prepare
    vi.stubEnv('LEADS_QUEUE_URL', 'https://sqs.eu-west-1.amazonaws.com/123456789012/leads');
    vi.stubEnv('SOURCES_DIR', 'sources');
    const handler = await deployedHandler();

    // Act
    const result = await handler(httpApiEvent('GET /health', '/health'));

    // Assess
    expect(result.statusCode).toBe(200);
    expect(JSON.parse(String(result.body))).toEqual({ status: 'ok' });
  });

  it('answers 404 not_found, in the contract’s error body, for a route outside the contract', async () => {
    // Prepare
    vi.stubEnv('LEADS_QUEUE_URL', 'https://sqs.eu-west-1.amazonaws.com/123456789012/leads');
    const handler = await deployedHandler();

    // Act
    const result = await handler(httpApiEvent('GET /v1/nothing', '/v1/nothing'));

    // Assess
    expect(result.statusCode).toBe(404);
    expect(JSON.parse(String(result.body))).toMatchObject({ error: { code: 'not_found' } });
  });

  it('answers a plain 500 internal_error, naming no setting, when LEADS_QUEUE_URL is not set', async () => {
    // Prepare
    vi.stubEnv('LEADS_QUEUE_URL', '');
    const handler = await deployedHandler();

    // Act
    const result = await handler(httpApiEvent('GET /health', '/health'));

    // Assess
    expect(result.statusCode).toBe(500);
    expect(JSON.parse(String(result.body))).toEqual({
      error: { code: 'internal_error', message: 'Something went wrong on our side.' },
    });
    expect(String(result.body)).not.toContain('LEADS_QUEUE_URL');
  });
});

describe('the capture function (createCaptureHandler)', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('leaves no log key added during one invocation on the next log lines', async () => {
    // Prepare: the dependencies are read while the invocation runs; that read adds a key
    const { sources } = deliveryDeps({
      secrets: secretStore(async () => ({})),
      queue: recordingLeadQueue().queue,
    });
    const handler = createCaptureHandler(() => {
      logger.appendKeys({ probe: 'added-during-the-invocation' });
      return { sources, queue: recordingLeadQueue().queue, secrets: secretStore(async () => ({})) };
    });
    const result = await handler(httpApiEvent('GET /health', '/health'), lambdaContext('leadgate-capture'));
    const written: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    });

    // Act
    logger.warn('a line after the invocation');

    // Assess
    expect(result.statusCode).toBe(200);
    expect(written.join('')).toContain('a line after the invocation');
    expect(written.join('')).not.toContain('added-during-the-invocation');
  });
});
