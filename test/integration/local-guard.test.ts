import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetQueueAttributesCommand, ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureQueues, type QueueUrls, startEmbeddedQueue } from '#local/queue.ts';
import { SANDBOX_TOKEN, type Sandbox, startSandbox } from '#local/sandbox/server.ts';
import { sqsClient } from '#shared/queue/client.ts';
import { rawRequest } from '#test/support/runtime.ts';

const errorCode = (answer: { body: string }) =>
  (JSON.parse(answer.body) as { error: { code: string } }).error.code;

describe('the Onpipeline sandbox refuses foreign hosts and other sites', () => {
  let sandbox: Sandbox;
  beforeAll(async () => {
    sandbox = await startSandbox({ port: 0 });
  });
  afterAll(async () => {
    await sandbox?.stop();
  });

  const lead = JSON.stringify({ FirstName: 'Ana', LastName: 'Ruiz' });

  it('refuses a request addressed to another host name (DNS rebinding) or another port', async () => {
    // Act
    const rebound = await rawRequest(`${sandbox.url}/_sandbox/leads`, {
      headers: { host: `evil.example:${sandbox.port}` },
    });
    const page = await rawRequest(`${sandbox.url}/`, { headers: { host: 'evil.example' } });
    const otherPort = await rawRequest(`${sandbox.url}/_sandbox/leads`, {
      headers: { host: `127.0.0.1:${sandbox.port + 1}` },
    });

    // Assess
    expect(rebound.status).toBe(403);
    expect(errorCode(rebound)).toBe('host_not_allowed');
    expect(page.status).toBe(403);
    expect(otherPort.status).toBe(403);
  });

  it('refuses cross-site posts and reads, and stores nothing from them', async () => {
    // Act
    const evilOrigin = await rawRequest(`${sandbox.url}/Leadsin`, {
      method: 'POST',
      headers: { authorization: SANDBOX_TOKEN, 'content-type': 'text/plain', origin: 'https://evil.example' },
      body: lead,
    });
    const crossSiteRead = await rawRequest(`${sandbox.url}/_sandbox/leads`, {
      headers: { 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'cors' },
    });

    // Assess
    expect(evilOrigin.status).toBe(403);
    expect(errorCode(evilOrigin)).toBe('cross_site_request');
    expect(crossSiteRead.status).toBe(403);
    expect(sandbox.leads()).toHaveLength(0);
  });

  it('still answers deliver and the developer on loopback names', async () => {
    // Act
    const created = await fetch(`${sandbox.url}/Leadsin`, {
      method: 'POST',
      headers: { authorization: SANDBOX_TOKEN, 'content-type': 'application/json' },
      body: lead,
    });
    const byName = await rawRequest(`${sandbox.url}/_sandbox/leads`, {
      headers: { host: `localhost:${sandbox.port}`, 'sec-fetch-site': 'none' },
    });

    // Assess
    expect(created.status).toBe(201);
    expect(byName.status).toBe(200);
    expect(JSON.parse(byName.body)).toHaveLength(1);
  });
});

describe('the embedded queue refuses foreign hosts, other sites and form posts', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'leadgate-guard-'));
  let queue: Awaited<ReturnType<typeof startEmbeddedQueue>>;
  let sqs: ReturnType<typeof sqsClient>;
  let urls: QueueUrls;
  beforeAll(async () => {
    queue = await startEmbeddedQueue({ port: 0, dataDir });
    sqs = sqsClient(queue.endpoint);
    urls = await ensureQueues(sqs);
  });
  afterAll(async () => {
    sqs?.destroy();
    await queue?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const waiting = async () => {
    const answer = await sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: urls.leadsUrl,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
      }),
    );
    return (
      Number(answer.Attributes?.ApproximateNumberOfMessages) +
      Number(answer.Attributes?.ApproximateNumberOfMessagesNotVisible)
    );
  };
  const sendMessageJson = (queueUrl: string) =>
    JSON.stringify({ QueueUrl: queueUrl, MessageBody: '{"injected":true}' });

  it('refuses a request addressed to another host name (DNS rebinding)', async () => {
    // Act
    const rebound = await rawRequest(`${queue.endpoint}/_fauxqs/queues/leads`, {
      headers: { host: `evil.example:${queue.port}` },
    });

    // Assess
    expect(rebound.status).toBe(403);
    expect(errorCode(rebound)).toBe('host_not_allowed');
  });

  it('refuses a cross-site post and a form-urlencoded (SNS/Query) post, and queues nothing', async () => {
    // Prepare
    const before = await waiting();

    // Act
    const crossSite = await rawRequest(`${queue.endpoint}/`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-amz-json-1.0',
        'x-amz-target': 'AmazonSQS.SendMessage',
        origin: 'https://evil.example',
        'sec-fetch-site': 'cross-site',
      },
      body: sendMessageJson(urls.leadsUrl),
    });
    const form = await rawRequest(`${queue.endpoint}/`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        Action: 'Publish',
        TopicArn: 'arn:aws:sns:us-east-1:000000000000:leads',
        Message: '{"injected":true}',
      }).toString(),
    });

    // Assess
    expect(crossSite.status).toBe(403);
    expect(errorCode(crossSite)).toBe('cross_site_request');
    expect(form.status).toBe(415);
    expect(errorCode(form)).toBe('unsupported_media_type');
    expect(await waiting()).toBe(before);
  });

  it("still serves the AWS SDK's own requests (JSON protocol, Host 127.0.0.1:port)", async () => {
    // Act
    await sqs.send(new SendMessageCommand({ QueueUrl: urls.leadsUrl, MessageBody: '{"ok":true}' }));
    const received = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: urls.leadsUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
    );

    // Assess
    expect(received.Messages?.map((message) => message.Body)).toContain('{"ok":true}');
  });
});
