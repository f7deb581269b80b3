import { Worker } from 'node:worker_threads';
import type { PollerStats } from '#local/poller.ts';
import {
  type ReceivedLead,
  SANDBOX_TOKEN,
  type SandboxFaults,
  type SandboxStats,
} from '#local/sandbox/server.ts';
import type { DeliveryAttempt, DeliveryDeps } from '#shared/delivery/deliver.ts';
import { MissingSecretError, type SecretStore } from '#shared/security/secrets.ts';

/**
 * The delivery side of the one-machine runtime in a worker thread of its own (`local/delivery-thread.ts`):
 * the poller and the deliver handler (with its idempotency store, its own view of the sources folder
 * and its Onpipeline client), and the Onpipeline sandbox. The gateway's event loop then only captures;
 * on AWS too these are other functions (docs/architecture.md, "One machine: threads"). This module is
 * the gateway thread's side: it starts the thread and speaks to it in messages.
 */

/** What the thread needs to start: plain data only (it crosses a thread). */
export interface DeliveryThreadOptions {
  queueEndpoint: string;
  queueUrls: { leadsUrl: string; leadsArn: string; deadLetterUrl: string };
  timeScale: number;
  dataDir: string;
  sourcesDir: string;
  /** Start the sandbox in the thread (when no real Onpipeline URL is given). */
  sandbox?: { port: number; dataFile: string; faults?: SandboxFaults | undefined };
  /** A real Onpipeline (or another URL); without it, the thread's sandbox. */
  onpipelineUrl?: string | undefined;
  /** Start the poller and deliver. */
  deliver: boolean;
  onpipelineTimeoutMs: number;
  pollWaitSeconds: number;
  deliverTimeoutSeconds?: number | undefined;
  graphUrl?: string | undefined;
  linkedinUrl?: string | undefined;
  /** The caller passed its own secret store / backoff policy: the thread asks for them in messages. */
  secretsFromParent: boolean;
  retryDelayFromParent: boolean;
  /** Print log lines for a terminal (`local/terminal-log.ts`), as the gateway thread does. */
  terminalLog: boolean;
}

/** The functions that cannot cross a thread: the thread calls them here. */
export interface DeliveryParentHooks {
  secrets?: SecretStore | undefined;
  retryDelay?: DeliveryDeps['retryDelay'] | undefined;
  /** Every delivery attempt, in order (the dashboard's delivery log and charts). */
  observe(attempt: DeliveryAttempt): void;
}

/** Requests of the gateway thread, answered by the delivery thread. */
export type DeliveryRequest =
  | { op: 'sandbox.leads' }
  | { op: 'sandbox.stats' }
  | { op: 'sandbox.clear' }
  | { op: 'sandbox.setFaults'; faults: SandboxFaults }
  | { op: 'sandbox.stop' }
  | { op: 'sandbox.start' }
  | { op: 'poller.stop' }
  | { op: 'counters' }
  | { op: 'stop' };

/** Calls of the delivery thread to the functions that stayed here. */
export type ParentCall =
  | { fn: 'secrets.get' | 'secrets.require'; name: string }
  | { fn: 'retryDelay'; options: Parameters<NonNullable<DeliveryDeps['retryDelay']>>[0] };

export type FromDeliveryThread =
  | { type: 'ready'; sandbox?: { url: string; port: number } | undefined }
  | { type: 'failed'; message: string; code?: string | undefined }
  | { type: 'attempts'; attempts: DeliveryAttempt[] }
  | { type: 'poller'; stats: PollerStats }
  | { type: 'answer'; id: number; value?: unknown; error?: WireError }
  | { type: 'call'; id: number; call: ParentCall };

export type ToDeliveryThread =
  | { type: 'request'; id: number; request: DeliveryRequest }
  | { type: 'reply'; id: number; value?: unknown; error?: WireError };

export interface WireError {
  name: string;
  message: string;
  code?: string | undefined;
  secret?: string | undefined;
}

/** The sandbox in the delivery thread, seen from the gateway thread: every read is a message. */
export interface SandboxHandle {
  url: string;
  port: number;
  /** The leads received, oldest first (the newest `SANDBOX_MEMORY_LEADS` held in memory). */
  leads(): Promise<ReceivedLead[]>;
  stats(): Promise<SandboxStats>;
  clear(): Promise<void>;
  setFaults(faults: SandboxFaults): Promise<void>;
}

/** The poller in the delivery thread: `stats` is the copy the thread sends after every batch. */
export interface PollerHandle {
  stats(): PollerStats;
  stop(): Promise<void>;
}

export interface DeliverySide {
  sandbox: SandboxHandle | undefined;
  poller: PollerHandle | undefined;
  stopSandbox(): Promise<void>;
  startSandboxAgain(): Promise<void>;
  /** The delivery thread's in-process counters (`counterValues` of `shared/telemetry.ts`). */
  counters(): Promise<Record<string, number>>;
  stop(): Promise<void>;
}

/** An error thrown in the delivery thread, with its code (e.g. `EADDRINUSE`). */
export class DeliveryThreadError extends Error {
  readonly code: string | undefined;
  constructor(message: string, code?: string) {
    super(message);
    this.name = 'DeliveryThreadError';
    this.code = code;
  }
}

export function toWireError(error: unknown): WireError {
  const known = error as { name?: unknown; message?: unknown; code?: unknown };
  return {
    name: typeof known?.name === 'string' ? known.name : 'Error',
    message: typeof known?.message === 'string' ? known.message : String(error),
    ...(typeof known?.code === 'string' ? { code: known.code } : {}),
    ...(error instanceof MissingSecretError
      ? { secret: /^secret (\S+) is not set$/.exec(error.message)?.[1] }
      : {}),
  };
}

/** The error again on this side: a missing secret stays a `MissingSecretError` (deliver tells them apart). */
export function fromWireError(error: WireError): Error {
  if (error.name === 'MissingSecretError' && error.secret) return new MissingSecretError(error.secret);
  return new DeliveryThreadError(error.message, error.code);
}

/**
 * Starts the delivery thread and resolves once its sandbox listens and its poller runs.
 *
 * @example
 * const side = await startDeliverySide(options, { observe: log.observe });
 * await side.sandbox?.leads();
 * await side.stop();
 */
export async function startDeliverySide(
  options: DeliveryThreadOptions,
  hooks: DeliveryParentHooks,
): Promise<DeliverySide> {
  const worker = new Worker(new URL('./delivery-thread.ts', import.meta.url), { workerData: options });
  let nextId = 0;
  const pending = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
  let stats: PollerStats = { batches: 0, received: 0, failed: 0, errors: 0 };
  let exited = false;
  const reply = (id: number, work: Promise<unknown>) =>
    work.then(
      (value) => worker.postMessage({ type: 'reply', id, value } satisfies ToDeliveryThread),
      (error: unknown) =>
        worker.postMessage({ type: 'reply', id, error: toWireError(error) } satisfies ToDeliveryThread),
    );
  const call = async (request: ParentCall): Promise<unknown> => {
    switch (request.fn) {
      case 'secrets.get':
        return hooks.secrets?.get(request.name);
      case 'secrets.require':
        if (!hooks.secrets) throw new MissingSecretError(request.name);
        return hooks.secrets.require(request.name);
      case 'retryDelay':
        if (!hooks.retryDelay) throw new Error('no backoff policy was given');
        return hooks.retryDelay(request.options);
    }
  };
  const ready = new Promise<{ url: string; port: number } | undefined>((resolve, reject) => {
    worker.on('message', (message: FromDeliveryThread) => {
      switch (message.type) {
        case 'ready':
          resolve(message.sandbox);
          return;
        case 'failed':
          reject(new DeliveryThreadError(message.message, message.code));
          return;
        case 'attempts':
          for (const attempt of message.attempts) hooks.observe(attempt);
          return;
        case 'poller':
          stats = message.stats;
          return;
        case 'answer': {
          const waiting = pending.get(message.id);
          pending.delete(message.id);
          if (message.error) waiting?.reject(fromWireError(message.error));
          else waiting?.resolve(message.value);
          return;
        }
        case 'call':
          void reply(message.id, call(message.call));
          return;
      }
    });
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`the delivery thread exited (code ${code})`)));
  });
  worker.on('exit', () => {
    exited = true;
    for (const waiting of pending.values()) waiting.reject(new Error('the delivery thread stopped'));
    pending.clear();
  });
  let sandboxAddress: { url: string; port: number } | undefined;
  try {
    sandboxAddress = await ready;
  } catch (error) {
    await worker.terminate();
    throw error;
  }
  worker.on('error', (error) => {
    // As with the queue's thread: a delivery side that broke must not go unnoticed.
    throw new Error(`the delivery thread stopped: ${error.message}`, { cause: error });
  });
  const ask = <T>(request: DeliveryRequest): Promise<T> => {
    if (exited) return Promise.reject(new Error('the delivery thread stopped'));
    const id = ++nextId;
    return new Promise<T>((resolve, reject) => {
      pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      worker.postMessage({ type: 'request', id, request } satisfies ToDeliveryThread);
    });
  };
  const sandbox: SandboxHandle | undefined = sandboxAddress && {
    url: sandboxAddress.url,
    port: sandboxAddress.port,
    leads: () => ask<ReceivedLead[]>({ op: 'sandbox.leads' }),
    stats: () => ask<SandboxStats>({ op: 'sandbox.stats' }),
    clear: () => ask<void>({ op: 'sandbox.clear' }),
    setFaults: (faults) => ask<void>({ op: 'sandbox.setFaults', faults }),
  };
  let stopping: Promise<void> | undefined;
  return {
    sandbox,
    poller: options.deliver
      ? { stats: () => ({ ...stats }), stop: () => (exited ? Promise.resolve() : ask({ op: 'poller.stop' })) }
      : undefined,
    stopSandbox: () => ask({ op: 'sandbox.stop' }),
    startSandboxAgain: () => ask({ op: 'sandbox.start' }),
    counters: () => ask({ op: 'counters' }),
    stop() {
      stopping ??= (async () => {
        if (exited) return;
        const gone = new Promise<void>((done) => worker.once('exit', () => done()));
        await ask({ op: 'stop' }).catch(() => undefined);
        // The thread ends once it closed everything; a stuck one is ended after 10 s.
        const timer = setTimeout(() => void worker.terminate(), 10_000);
        await gone;
        clearTimeout(timer);
      })();
      return stopping;
    },
  };
}

/** Deliver's API tokens; with the sandbox, its token stands in for ONPIPELINE_TOKEN. */
export function sandboxToken(store: SecretStore, sandbox: boolean): SecretStore {
  if (!sandbox) return store;
  return {
    get: async (name) => (name === 'ONPIPELINE_TOKEN' ? SANDBOX_TOKEN : store.get(name)),
    require: async (name) => (name === 'ONPIPELINE_TOKEN' ? SANDBOX_TOKEN : store.require(name)),
  };
}
