import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { lambdaContext } from '#local/poller.ts';
import { httpApiEvent } from '#test/support/api-event.ts';

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
