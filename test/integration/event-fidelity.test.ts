import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { APIGatewayProxyEventV2Schema, SqsSchema } from '@aws-lambda-powertools/parser/schemas';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import type { APIGatewayProxyEventV2, SQSEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway } from '#local/gateway.ts';
import { startPoller } from '#local/poller.ts';
import { ensureQueues, startEmbeddedQueue } from '#local/queue.ts';
import { json } from '#shared/http/response.ts';
import { sqsClient } from '#shared/queue/client.ts';
import { eventually } from '#test/support/runtime.ts';

describe('the local adapters build the events AWS sends (Powertools parser schemas)', () => {
  const events: APIGatewayProxyEventV2[] = [];
  let gateway: Awaited<ReturnType<typeof startGateway>>;

  beforeAll(async () => {
    gateway = await startGateway({
      port: 0,
      handler: async (event) => {
        events.push(event);
        return json(200, {});
      },
    });
  });
  afterAll(async () => gateway?.stop());

  it.each([
    [
      'urlencoded with query and cookies',
      { 'content-type': 'application/x-www-form-urlencoded', cookie: 'a=1; b=2' },
      'a=1&a=2',
      '?utm_source=x',
    ],
    ['JSON', { 'content-type': 'application/json' }, '{"a":"b"}', ''],
    [
      'multipart (base64 like API Gateway)',
      { 'content-type': 'multipart/form-data; boundary=x' },
      '--x--\r\n',
      '',
    ],
    ['no body', {}, undefined, ''],
  ])('HTTP API payload 2.0 event: %s', async (_name, headers, body, query) => {
    // Act
    await fetch(`${gateway.url}/v1/forms/demo-contact${query}`, { method: 'POST', headers, body });

    // Assess
    const event = events.at(-1);
    const parsed = APIGatewayProxyEventV2Schema.safeParse(event);
    expect(parsed.error?.issues).toBeUndefined();
    expect(event?.routeKey).toBe('POST /v1/forms/{sourceId}');
    expect(event?.pathParameters).toEqual({ sourceId: 'demo-contact' });
    expect(event?.requestContext.http.sourceIp).toBe('127.0.0.1');
  });

  it('answers 404/405 itself for paths outside the route table', async () => {
    const missing = await fetch(`${gateway.url}/nowhere`);
    const wrongMethod = await fetch(`${gateway.url}/v1/forms/demo-contact`, { method: 'PUT', body: 'x' });

    expect(missing.status).toBe(404);
    expect(wrongMethod.status).toBe(405);
  });

  it('SQS event: records pass SqsSchema and carry message attributes and receive counts', async () => {
    // Prepare
    const dataDir = mkdtempSync(join(tmpdir(), 'leadgate-fidelity-'));
    const queue = await startEmbeddedQueue({ port: 0, dataDir });
    const sqs = sqsClient(queue.endpoint);
    const urls = await ensureQueues(sqs);
    const seen: SQSEvent[] = [];
    const poller = startPoller({
      sqs,
      queueUrl: urls.leadsUrl,
      queueArn: urls.leadsArn,
      waitTimeSeconds: 1,
      handler: async (event) => {
        seen.push(event);
        return { batchItemFailures: [] };
      },
    });
    try {
      // Act
      await sqs.send(
        new SendMessageCommand({
          QueueUrl: urls.leadsUrl,
          MessageBody: '{"hello":"world"}',
          MessageAttributes: { source: { DataType: 'String', StringValue: 'demo-contact' } },
        }),
      );
      const event = await eventually(() => seen[0], 5000, 'a batch');

      // Assess
      const parsed = SqsSchema.safeParse(event);
      expect(parsed.error?.issues).toBeUndefined();
      expect(event.Records[0]?.messageAttributes.source?.stringValue).toBe('demo-contact');
      expect(event.Records[0]?.attributes.ApproximateReceiveCount).toBe('1');
      expect(event.Records[0]?.eventSourceARN).toBe(urls.leadsArn);
    } finally {
      await poller.stop();
      sqs.destroy();
      await queue.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
