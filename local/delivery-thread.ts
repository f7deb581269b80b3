/**
 * The delivery thread (started by `startDeliverySide`, `local/delivery.ts`): the Onpipeline sandbox, and
 * the poller feeding the deliver handler, off the gateway's event loop. It tells the gateway thread
 * every delivery attempt and the poller's counts, answers its requests (the sandbox's leads and stats,
 * stop), and asks it for what cannot cross a thread (a test's secret store or backoff policy).
 */
import { setPriority } from 'node:os';
import { join } from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import { createDeliverHandler } from '#functions/deliver.ts';
import { deliveryDeps } from '#functions/delivery-deps.ts';
import {
  type DeliveryRequest,
  type DeliveryThreadOptions,
  type FromDeliveryThread,
  fromWireError,
  type ParentCall,
  sandboxToken,
  type ToDeliveryThread,
  toWireError,
} from '#local/delivery.ts';
import { liveSourceRegistry } from '#local/live-sources.ts';
import { type Poller, startPoller } from '#local/poller.ts';
import { type Sandbox, startSandbox } from '#local/sandbox/server.ts';
import { useTerminalLog } from '#local/terminal-log.ts';
import type { DeliveryAttempt } from '#shared/delivery/deliver.ts';
import { SqlitePersistenceLayer } from '#shared/idempotency/sqlite-persistence.ts';
import { createOnpipelineClient } from '#shared/onpipeline/client.ts';
import { customFieldNames } from '#shared/onpipeline/custom-fields.ts';
import { leadQueue, sqsClient } from '#shared/queue/client.ts';
import { localSecretStore, type SecretStore } from '#shared/security/secrets.ts';
import { counterValues, logger } from '#shared/telemetry.ts';

/** The delivery thread's nice value (0 normal, 19 lowest): see below. */
const DELIVERY_THREAD_NICE = 10;

const port = parentPort;
if (!port) throw new Error('local/delivery-thread.ts runs as a worker thread of startDeliverySide');
const options = workerData as DeliveryThreadOptions;
const tell = (message: FromDeliveryThread) => port.postMessage(message);
// Log lines leave through `process.stdout`, which Node hands to the main thread's `process.stdout`:
// one stream, in order, where the tests' log capture (test/support/log-capture.ts) sees them too.
if (options.terminalLog) useTerminalLog(logger);
// Accepting a lead comes first: under CPU contention this thread yields to the gateway's (and the
// queue's); delivery is asynchronous and catches up (docs/architecture.md, "One machine: threads").
// On Linux a thread's nice value is its own; lowering it needs no privilege.
try {
  setPriority(DELIVERY_THREAD_NICE);
} catch {
  // a platform without per-thread priorities: run at the normal one
}

let nextCall = 0;
const calls = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
function callParent<T>(call: ParentCall): Promise<T> {
  const id = ++nextCall;
  return new Promise<T>((resolve, reject) => {
    calls.set(id, { resolve: resolve as (value: unknown) => void, reject });
    tell({ type: 'call', id, call });
  });
}

// Attempts leave in one message per turn (a batch of ten is one message, not ten).
let buffered: DeliveryAttempt[] = [];
const flushAttempts = () => {
  if (buffered.length === 0) return;
  const attempts = buffered;
  buffered = [];
  tell({ type: 'attempts', attempts });
};
const observe = (attempt: DeliveryAttempt) => {
  buffered.push(attempt);
  if (buffered.length === 1) setImmediate(flushAttempts);
};

const stops: (() => Promise<void>)[] = [];
let sandbox: Sandbox | undefined;
let poller: Poller | undefined;

async function start(): Promise<void> {
  if (options.sandbox) {
    sandbox = await startSandbox(options.sandbox);
    stops.push(async () => sandbox?.stop());
  }
  if (!options.deliver) return;
  const sqs = sqsClient(options.queueEndpoint);
  stops.push(async () => sqs.destroy());
  // Deliver's own view of the sources folder (as on AWS each function reads the config); the gateway
  // thread reports the reloads.
  const sources = liveSourceRegistry(options.sourcesDir);
  stops.push(async () => sources.close());
  const apiTokens: SecretStore = options.secretsFromParent
    ? {
        get: (name) => callParent<string | undefined>({ fn: 'secrets.get', name }),
        require: (name) => callParent<string>({ fn: 'secrets.require', name }),
      }
    : sandboxToken(localSecretStore(options.dataDir, 'api'), !options.onpipelineUrl);
  const onpipeline = createOnpipelineClient({
    baseUrl: options.onpipelineUrl ?? (sandbox as Sandbox).url,
    token: () => apiTokens.require('ONPIPELINE_TOKEN'),
    timeoutMs: options.onpipelineTimeoutMs,
  });
  const idempotency = new SqlitePersistenceLayer(join(options.dataDir, 'idempotency.sqlite'));
  stops.push(async () => idempotency.close());
  const leads = leadQueue({
    sqs,
    leadsUrl: options.queueUrls.leadsUrl,
    deadLetterUrl: options.queueUrls.deadLetterUrl,
    timeScale: options.timeScale,
  });
  const deliver = createDeliverHandler(() =>
    deliveryDeps({
      sources,
      idempotency,
      secrets: apiTokens,
      fetchUrls: { graphUrl: options.graphUrl, linkedinUrl: options.linkedinUrl },
      observe,
      onpipeline,
      customFields: customFieldNames(onpipeline),
      queue: leads,
      ...(options.retryDelayFromParent
        ? { retryDelay: (delay) => callParent<number>({ fn: 'retryDelay', options: delay }) }
        : {}),
    }),
  );
  const report = () => {
    flushAttempts();
    if (poller) tell({ type: 'poller', stats: poller.stats() });
  };
  poller = startPoller({
    sqs,
    queueUrl: options.queueUrls.leadsUrl,
    queueArn: options.queueUrls.leadsArn,
    handler: (event, context) => deliver(event, context),
    waitTimeSeconds: options.pollWaitSeconds,
    ...(options.deliverTimeoutSeconds ? { contextTimeoutSeconds: options.deliverTimeoutSeconds } : {}),
    onBatch: report,
    onError: report,
  });
  const running = poller;
  stops.push(() => running.stop());
}

async function handle(request: DeliveryRequest): Promise<unknown> {
  switch (request.op) {
    case 'sandbox.leads':
      return sandbox?.leads() ?? [];
    case 'sandbox.stats':
      return sandbox?.stats();
    case 'sandbox.clear':
      return sandbox?.clear();
    case 'sandbox.setFaults':
      sandbox?.setFaults(request.faults);
      return undefined;
    case 'sandbox.stop':
      return sandbox?.stop();
    case 'sandbox.start':
      if (!options.sandbox || !sandbox) return undefined;
      sandbox = await startSandbox({ ...options.sandbox, port: sandbox.port });
      return undefined;
    case 'poller.stop':
      await poller?.stop();
      flushAttempts();
      if (poller) tell({ type: 'poller', stats: poller.stats() });
      return undefined;
    case 'counters':
      return counterValues();
    case 'stop':
      for (const stop of stops.splice(0).reverse()) await stop().catch(() => undefined);
      flushAttempts();
      return undefined;
  }
}

port.on('message', (message: ToDeliveryThread) => {
  if (message.type === 'reply') {
    const waiting = calls.get(message.id);
    calls.delete(message.id);
    if (message.error) waiting?.reject(fromWireError(message.error));
    else waiting?.resolve(message.value);
    return;
  }
  const { id, request } = message;
  handle(request)
    .then(
      (value) => tell({ type: 'answer', id, value }),
      (error: unknown) => tell({ type: 'answer', id, error: toWireError(error) }),
    )
    .finally(() => {
      // After `stop`, everything is closed: closing the port lets the thread end.
      if (request.op === 'stop') port.close();
    });
});

try {
  await start();
  tell({ type: 'ready', sandbox: sandbox ? { url: sandbox.url, port: sandbox.port } : undefined });
} catch (error) {
  for (const stop of stops.splice(0).reverse()) await stop().catch(() => undefined);
  const wire = toWireError(error);
  tell({ type: 'failed', message: wire.message, code: wire.code });
  port.close();
}
