import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import {
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
} from '@aws-sdk/client-sqs';
import { afterEach, describe, expect, it } from 'vitest';
import { ensureQueues, startEmbeddedQueue } from '#local/queue.ts';
import { sqsClient } from '#shared/queue/client.ts';

/** What another connection to the queue's database sees: only what has been committed. */
function committedRows(dataDir: string, sql: string): number {
  const db = new DatabaseSync(join(dataDir, 'fauxqs.db'), { readOnly: true });
  try {
    return Number((db.prepare(sql).get() as { n: number }).n);
  } finally {
    db.close();
  }
}

describe('the embedded queue (fauxqs in its own thread, group commit)', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function startQueue(dataDir: string) {
    const queue = await startEmbeddedQueue({ port: 0, dataDir });
    const sqs = sqsClient(queue.endpoint);
    cleanups.push(
      () => queue.stop(),
      () => sqs.destroy(),
    );
    return { queue, sqs, urls: await ensureQueues(sqs) };
  }

  it('has every message of a batch, its receipt and its deletion on disk before it answers', async () => {
    // Prepare
    const dataDir = mkdtempSync(join(tmpdir(), 'leadgate-queue-'));
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const { sqs, urls } = await startQueue(dataDir);
    const entries = Array.from({ length: 10 }, (_, n) => ({ Id: String(n), MessageBody: `{"n":${n}}` }));

    // Act + Assess: each answer is only given once the change is committed
    const sent = await sqs.send(new SendMessageBatchCommand({ QueueUrl: urls.leadsUrl, Entries: entries }));
    expect(sent.Successful).toHaveLength(10);
    expect(committedRows(dataDir, "SELECT count(*) AS n FROM sqs_messages WHERE queue_name = 'leads'")).toBe(
      10,
    );

    const received = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: urls.leadsUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 60 }),
    );
    expect(received.Messages).toHaveLength(10);
    expect(
      committedRows(dataDir, 'SELECT count(*) AS n FROM sqs_messages WHERE receipt_handle IS NOT NULL'),
    ).toBe(10);

    const deleted = await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: urls.leadsUrl,
        Entries: (received.Messages ?? []).map((message, n) => ({
          Id: String(n),
          ReceiptHandle: message.ReceiptHandle,
        })),
      }),
    );
    expect(deleted.Successful).toHaveLength(10);
    expect(committedRows(dataDir, "SELECT count(*) AS n FROM sqs_messages WHERE queue_name = 'leads'")).toBe(
      0,
    );
  });

  it('keeps every message sent by concurrent clients across a restart', async () => {
    // Prepare
    const dataDir = mkdtempSync(join(tmpdir(), 'leadgate-queue-'));
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const first = await startQueue(dataDir);
    const bodies = Array.from({ length: 200 }, (_, n) => `lead-${n}`);
    await Promise.all(
      bodies.map((body) =>
        first.sqs.send(new SendMessageCommand({ QueueUrl: first.urls.leadsUrl, MessageBody: body })),
      ),
    );

    // Act
    await first.queue.stop();
    const second = await startQueue(dataDir);
    const seen = new Set<string>();
    for (let round = 0; round < 40 && seen.size < bodies.length; round++) {
      const received = await second.sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: second.urls.leadsUrl,
          MaxNumberOfMessages: 10,
          VisibilityTimeout: 60,
        }),
      );
      for (const message of received.Messages ?? []) seen.add(message.Body ?? '');
    }

    // Assess
    expect([...seen].sort()).toEqual([...bodies].sort());
  });

  it('refuses to start on a port already taken, with the reason', async () => {
    // Prepare
    const dataDir = mkdtempSync(join(tmpdir(), 'leadgate-queue-'));
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const { queue } = await startQueue(dataDir);

    // Act
    const second = startEmbeddedQueue({ port: queue.port, dataDir: join(dataDir, 'other') });

    // Assess
    await expect(second).rejects.toThrow(/EADDRINUSE/);
  });
});
