import http from 'node:http';
import net from 'node:net';
import { resolve } from 'node:path';
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import { Worker } from 'node:worker_threads';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  SetQueueAttributesCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { type FauxqsServer, startFauxqs } from 'fauxqs';
import { foreignRequestRefusal } from '#local/loopback.ts';
import { deadLetterQueue, leadsQueue } from '#shared/queue/definition.ts';

export interface EmbeddedQueue {
  endpoint: string;
  port: number;
  /** Stops the queue (its pending writes are committed) and its thread. */
  stop(): Promise<void>;
}

export interface EmbeddedQueueOptions {
  port: number;
  dataDir: string;
}

/**
 * Starts the embedded queue (`startFauxqs`) in a worker thread of its own: every message change is an
 * SQLite commit that waits for the disk, and in its own thread those waits do not stall the gateway,
 * the poller and deliver on the main event loop. Resolves once it listens.
 *
 * @example
 * const queue = await startEmbeddedQueue({ port: 0, dataDir: '.leadgate/queue' });
 * const sqs = sqsClient(queue.endpoint);
 * await queue.stop();
 */
export async function startEmbeddedQueue(options: EmbeddedQueueOptions): Promise<EmbeddedQueue> {
  const worker = new Worker(new URL('./queue-thread.ts', import.meta.url), { workerData: options });
  const port = await new Promise<number>((resolvePort, reject) => {
    const failed = (error: unknown) => {
      worker.off('message', ready);
      reject(error instanceof Error ? error : new Error(String(error)));
    };
    const exited = (code: number) => failed(new Error(`the embedded queue's thread exited (code ${code})`));
    const ready = (message: QueueThreadMessage) => {
      worker.off('error', failed);
      worker.off('exit', exited);
      if (message.type === 'listening') resolvePort(message.port);
      else reject(new Error(message.message));
    };
    worker.once('message', ready);
    worker.once('error', failed);
    worker.once('exit', exited);
  });
  let stopping = false;
  worker.on('error', (error) => {
    // A queue that cannot store (or commit) must not leave a gateway answering 202: stop the process.
    throw new Error(`the embedded queue stopped: ${error.message}`, { cause: error });
  });
  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    async stop() {
      if (stopping) return;
      stopping = true;
      const exited = new Promise<void>((done) => worker.once('exit', () => done()));
      worker.postMessage({ type: 'stop' });
      await exited;
    },
  };
}

/** What the queue's thread tells the thread that started it. */
export type QueueThreadMessage = { type: 'listening'; port: number } | { type: 'failed'; message: string };

export async function startFauxqsHere(options: EmbeddedQueueOptions): Promise<FauxqsServer> {
  const originalListen = net.Server.prototype.listen;
  net.Server.prototype.listen = function loopbackOnly(this: net.Server, ...args: unknown[]) {
    if (this instanceof http.Server) guardRequests(this);
    const first = args[0];
    if (first && typeof first === 'object' && 'host' in first) {
      const host = (first as { host?: string }).host;
      if (host === '0.0.0.0' || host === '::' || host === undefined) {
        args[0] = { ...(first as object), host: '127.0.0.1' };
      }
    }
    return (originalListen as (...a: unknown[]) => net.Server).apply(this, args);
  } as typeof net.Server.prototype.listen;
  const originalPrepare = DatabaseSync.prototype.prepare;
  const dataDir = resolve(options.dataDir);
  const groups = new WeakMap<DatabaseSync, CommitGroup>();
  DatabaseSync.prototype.prepare = function prepareGrouped(
    this: DatabaseSync,
    sql: string,
    ...rest: unknown[]
  ) {
    const statement = (originalPrepare as (...a: unknown[]) => StatementSync).call(this, sql, ...rest);
    if (!WRITE.test(sql) || !(this.location() ?? '').startsWith(dataDir)) return statement;
    let group = groups.get(this);
    if (!group) {
      group = groupCommits(this);
      groups.set(this, group);
    }
    const join = group.join;
    const run = statement.run as (...args: unknown[]) => ReturnType<StatementSync['run']>;
    statement.run = function runGrouped(this: StatementSync, ...args: unknown[]) {
      join();
      return run.apply(this, args);
    } as StatementSync['run'];
    return statement;
  } as typeof DatabaseSync.prototype.prepare;
  try {
    return await startFauxqs({ port: options.port, logger: false, dataDir: options.dataDir });
  } finally {
    net.Server.prototype.listen = originalListen;
    DatabaseSync.prototype.prepare = originalPrepare;
  }
}

const WRITE = /^\s*(INSERT|UPDATE|DELETE)\b/i;

/** The only body type the queue takes: the AWS JSON protocol the SDK's SQS client speaks. */
const SQS_JSON = 'application/x-amz-json-1.0';

/**
 * Puts the one-machine guard in front of fauxqs' own request listener (fauxqs is not forked): a
 * foreign `Host` or a cross-site request is answered 403 (`foreignRequestRefusal`, `local/loopback.ts`),
 * and any body but the SQS JSON protocol 415: fauxqs would otherwise run its SNS/Query actions on a
 * `x-www-form-urlencoded` post, which any web page can send. See docs/operations.md, "Security model".
 */
function guardRequests(server: http.Server): void {
  const listeners = server.listeners('request') as http.RequestListener[];
  server.removeAllListeners('request');
  server.on('request', (request: http.IncomingMessage, response: http.ServerResponse) => {
    const refusal = foreignRequestRefusal(request);
    const type = request.headers['content-type']?.split(';')[0]?.trim().toLowerCase();
    const hasBody = request.method !== 'GET' && request.method !== 'HEAD';
    const error = refusal
      ? refusal
      : hasBody && type !== SQS_JSON
        ? {
            status: 415,
            code: 'unsupported_media_type',
            message: `The embedded queue takes the SQS JSON protocol (${SQS_JSON}) only.`,
          }
        : undefined;
    if (!error) {
      for (const listener of listeners) listener.call(server, request, response);
      return;
    }
    request.resume();
    const body = JSON.stringify({ error: { code: error.code, message: error.message } });
    response.writeHead(error.status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
    response.end(body);
  });
}

interface CommitGroup {
  /** Makes the write about to run part of this turn's transaction, opening it if needed. */
  join(): void;
}

/**
 * Group commit for fauxqs's SQLite database. fauxqs writes every message change in its own
 * transaction, and with SQLite's default `synchronous = FULL` each commit waits for the disk (~0.3 ms
 * here): three per lead (send, receive, delete), one after the other. Here
 * every write made in one synchronous turn (the ten messages of a `SendMessageBatch`, a
 * `ReceiveMessage` of ten, a `DeleteMessageBatch`) joins one transaction, committed (still FULL, still
 * fsynced) in a microtask at the end of that turn: before fauxqs's answer is written (its router awaits
 * the action, so the answer comes in a later microtask) and so before any client, leadgate's capture
 * handler included, can tell a sender the lead is stored. A write inside a transaction fauxqs opened
 * itself (its S3 and reset paths) is left to that transaction; a group never outlives its turn, so the
 * two never nest. A failed commit throws: the queue stops rather than answer for unstored messages.
 */
function groupCommits(db: DatabaseSync): CommitGroup {
  const exec = db.exec.bind(db);
  let open = false;
  const commit = () => {
    open = false;
    try {
      exec('COMMIT');
    } catch (error) {
      throw new Error(
        `The embedded queue could not commit its writes to disk; stopping rather than answer for unstored leads: ${
          error instanceof Error ? error.message : String(error)
        }`,
      );
    }
  };
  return {
    join() {
      if (open || db.isTransaction) return;
      exec('BEGIN');
      open = true;
      queueMicrotask(commit);
    },
  };
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
