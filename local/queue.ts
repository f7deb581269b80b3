import net from 'node:net';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  SetQueueAttributesCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { type FauxqsServer, startFauxqs } from 'fauxqs';
import { deadLetterQueue, leadsQueue } from '#shared/queue/definition.ts';

export interface EmbeddedQueue {
  server: FauxqsServer;
  endpoint: string;
}

/**
 * Starts fauxqs, the embedded SQS-compatible queue, persisted in SQLite under `dataDir`.
 * fauxqs listens on every interface by itself; leadgate's local servers bind loopback only, so the
 * listen call is narrowed to 127.0.0.1 for the duration of the start.
 *
 * @example
 * const queue = await startEmbeddedQueue({ port: 0, dataDir: '.leadgate/queue' });
 */
export async function startEmbeddedQueue(options: { port: number; dataDir: string }): Promise<EmbeddedQueue> {
  const originalListen = net.Server.prototype.listen;
  net.Server.prototype.listen = function loopbackOnly(this: net.Server, ...args: unknown[]) {
    const first = args[0];
    if (first && typeof first === 'object' && 'host' in first) {
      const host = (first as { host?: string }).host;
      if (host === '0.0.0.0' || host === '::' || host === undefined) {
        args[0] = { ...(first as object), host: '127.0.0.1' };
      }
    }
    return (originalListen as (...a: unknown[]) => net.Server).apply(this, args);
  } as typeof net.Server.prototype.listen;
  try {
    const server = await startFauxqs({ port: options.port, logger: false, dataDir: options.dataDir });
    return { server, endpoint: `http://127.0.0.1:${server.port}` };
  } finally {
    net.Server.prototype.listen = originalListen;
  }
}

export interface QueueUrls {
  leadsUrl: string;
  leadsArn: string;
  deadLetterUrl: string;
  deadLetterArn: string;
}

/**
 * Creates (or updates) `leads` and `leads-dlq` from the shared queue definition, as the CDK stack
 * does. `visibilityTimeoutSeconds` may be lowered for tests that exercise retries.
 *
 * @example
 * const urls = await ensureQueues(sqs);
 */
export async function ensureQueues(
  sqs: SQSClient,
  overrides: { visibilityTimeoutSeconds?: number } = {},
): Promise<QueueUrls> {
  const dlq = await upsert(sqs, deadLetterQueue.name, {
    MessageRetentionPeriod: String(deadLetterQueue.retentionSeconds),
    VisibilityTimeout: String(deadLetterQueue.visibilityTimeoutSeconds),
  });
  const leads = await upsert(sqs, leadsQueue.name, {
    MessageRetentionPeriod: String(leadsQueue.retentionSeconds),
    VisibilityTimeout: String(overrides.visibilityTimeoutSeconds ?? leadsQueue.visibilityTimeoutSeconds),
    MaximumMessageSize: String(leadsQueue.maximumMessageSizeBytes),
    RedrivePolicy: JSON.stringify({
      deadLetterTargetArn: dlq.arn,
      maxReceiveCount: String(leadsQueue.maxReceiveCount),
    }),
  });
  return { leadsUrl: leads.url, leadsArn: leads.arn, deadLetterUrl: dlq.url, deadLetterArn: dlq.arn };
}

async function upsert(sqs: SQSClient, name: string, attributes: Record<string, string>) {
  const created = await sqs.send(new CreateQueueCommand({ QueueName: name }));
  const url = created.QueueUrl as string;
  await sqs.send(new SetQueueAttributesCommand({ QueueUrl: url, Attributes: attributes }));
  const read = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }));
  return { url, arn: read.Attributes?.QueueArn as string };
}
