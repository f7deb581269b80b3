import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createCaptureHandler } from '#functions/capture/handler.ts';
import { createDeliverHandler } from '#functions/deliver/handler.ts';
import { startGateway } from '#local/gateway.ts';
import { liveSourceRegistry, type SourceState, sourceReporter } from '#local/liveSources.ts';
import { localPages } from '#local/pages.ts';
import { type Poller, startPoller } from '#local/poller.ts';
import { ensureQueues, startEmbeddedQueue } from '#local/queue.ts';
import { gatewayLimit, type RateLimitSettings, rateLimiter } from '#local/rateLimit.ts';
import { SANDBOX_TOKEN, type Sandbox, type SandboxFaults, startSandbox } from '#local/sandbox/server.ts';
import { webhookRouters } from '#shared/channels/routers.ts';
import type { DeliveryAttempt, DeliveryDeps } from '#shared/delivery/deliver.ts';
import { SqlitePersistenceLayer } from '#shared/idempotency/sqlitePersistence.ts';
import { createOnpipelineClient } from '#shared/leadsin/client.ts';
import { type CustomFieldNames, customFieldNames } from '#shared/leadsin/customFields.ts';
import { leadQueue, sqsClient } from '#shared/queue/client.ts';
import { leadResolvers } from '#shared/resolvers/index.ts';
import { type SecretStore, secretsFromEnvironment } from '#shared/secrets.ts';

/** How many recent delivery attempts the runtime remembers. */
const RECENT_ATTEMPTS = 200;

export interface RuntimeOptions {
  /** Gateway port; default 3000. 0 picks a free port. */
  port?: number;
  /** Sandbox port; default 3001. */
  sandboxPort?: number;
  /** Embedded queue port; default 3002. */
  queuePort?: number;
  /** State folder (queue database, sandbox leads); default `.leadgate`. */
  dataDir?: string;
  /** Source configs; default `sources`. */
  sourcesDir?: string;
  /** Use a real Onpipeline (or another URL) instead of the sandbox. */
  onpipelineUrl?: string;
  /** Secrets; default environment variables, then `<dataDir>/secrets.env`. */
  secrets?: SecretStore;
  /** Start the poller (deliver); default true. */
  deliver?: boolean;
  /** Lower the leads queue's visibility timeout (tests of retries). */
  visibilityTimeoutSeconds?: number;
  /** The deliver timeout the local Lambda context reports; default 30 s (as on AWS). */
  deliverTimeoutSeconds?: number;
  /** Long-poll wait of the poller; default 20 s. */
  pollWaitSeconds?: number;
  /** Onpipeline client timeout; default 10 s. */
  onpipelineTimeoutMs?: number;
  /** Backoff seam (tests shorten it). */
  retryDelay?: DeliveryDeps['retryDelay'];
  sandboxFaults?: SandboxFaults;
  /** Per-source rate limit of the gateway (429 with Retry-After), as API Gateway throttles; default off. */
  rateLimit?: RateLimitSettings;
  /** Graph API base URL for deliver's Meta lead fetches (e.g. the fake, `local/fakes/graph.ts`). */
  graphUrl?: string;
  /** LinkedIn API base URL for deliver's lead fetches (e.g. the fake, `local/fakes/linkedin.ts`). */
  linkedinUrl?: string;
  /**
   * How a reload of `sources/` is reported: readable lines (`text`) or a JSON log line (`json`);
   * default `text` when stdout is a terminal, else `json`.
   */
  sourceReport?: 'text' | 'json';
}

export interface Runtime {
  gatewayUrl: string;
  sandboxUrl: string | undefined;
  queueEndpoint: string;
  queueUrls: { leadsUrl: string; deadLetterUrl: string };
  sandbox: Sandbox | undefined;
  poller: Poller | undefined;
  /** The most recent delivery attempts, newest first (for the dashboard and `leadgate status`). */
  recentAttempts(): DeliveryAttempt[];
  /** What the live source registry serves and which files on disk it refused (`local/liveSources.ts`). */
  sourceState(): SourceState;
  /** Stops the sandbox only (tests of Onpipeline outages); `startSandboxAgain` brings it back on the same port. */
  stopSandbox(): Promise<void>;
  /** Stops the embedded queue only (tests of queue outages). */
  stopQueue(): Promise<void>;
  startSandboxAgain(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * leadgate on one machine: the embedded queue (persisted under `.leadgate/`), the Onpipeline sandbox,
 * the capture handler behind a local API Gateway, and a poller feeding the deliver handler, all the
 * same code that runs on AWS.
 *
 * @example
 * const runtime = await startRuntime({ port: 0, sandboxPort: 0, queuePort: 0, dataDir: tmp });
 * await runtime.stop();
 */
export async function startRuntime(options: RuntimeOptions = {}): Promise<Runtime> {
  const dataDir = resolve(options.dataDir ?? '.leadgate');
  mkdirSync(join(dataDir, 'queue'), { recursive: true });
  const stops: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    for (const stop of stops.splice(0).reverse()) await stop().catch(() => undefined);
  };
  try {
    const queue = await startEmbeddedQueue({
      port: options.queuePort ?? 3002,
      dataDir: join(dataDir, 'queue'),
    });
    stops.push(() => queue.stop());
    const sqs = sqsClient(queue.endpoint);
    stops.push(async () => sqs.destroy());
    const urls = await ensureQueues(sqs, { visibilityTimeoutSeconds: options.visibilityTimeoutSeconds });

    let sandbox: Sandbox | undefined;
    const sandboxOptions = {
      port: options.sandboxPort ?? 3001,
      dataFile: join(dataDir, 'sandbox-leads.jsonl'),
      faults: options.sandboxFaults,
    };
    if (!options.onpipelineUrl) {
      sandbox = await startSandbox(sandboxOptions);
      stops.push(async () => sandbox?.stop());
    }
    const sandboxPort = sandbox?.port;
    const onpipelineUrl = options.onpipelineUrl ?? (sandbox as Sandbox).url;
    const secrets = options.secrets ?? localSecrets(join(dataDir, 'secrets.env'), !options.onpipelineUrl);

    const sources = liveSourceRegistry(options.sourcesDir ?? 'sources', {
      onChange: sourceReporter(options.sourceReport ?? (process.stdout.isTTY ? 'text' : 'json')),
    });
    stops.push(async () => sources.close());
    const leads = leadQueue({ sqs, leadsUrl: urls.leadsUrl, deadLetterUrl: urls.deadLetterUrl });
    const capture = createCaptureHandler(() => ({ sources, queue: leads, secrets }));

    const recent: DeliveryAttempt[] = [];
    let dashboardNames: CustomFieldNames | undefined;
    let poller: ReturnType<typeof startPoller> | undefined;
    if (options.deliver !== false) {
      const onpipeline = createOnpipelineClient({
        baseUrl: onpipelineUrl,
        token: () => secrets.require('ONPIPELINE_TOKEN'),
        timeoutMs: options.onpipelineTimeoutMs ?? 10_000,
      });
      const idempotency = new SqlitePersistenceLayer(join(dataDir, 'idempotency.sqlite'));
      stops.push(async () => idempotency.close());
      const names = customFieldNames(onpipeline);
      dashboardNames = names;
      const deliver = createDeliverHandler(() => ({
        sources,
        idempotency,
        routers: webhookRouters,
        resolvers: leadResolvers(secrets, { graphUrl: options.graphUrl, linkedinUrl: options.linkedinUrl }),
        observe: (attempt) => {
          recent.unshift(attempt);
          if (recent.length > RECENT_ATTEMPTS) recent.length = RECENT_ATTEMPTS;
        },
        onpipeline,
        customFields: names,
        queue: leads,
        ...(options.retryDelay ? { retryDelay: options.retryDelay } : {}),
      }));
      poller = startPoller({
        sqs,
        queueUrl: urls.leadsUrl,
        queueArn: urls.leadsArn,
        handler: (event, context) => deliver(event, context),
        waitTimeSeconds: options.pollWaitSeconds ?? 20,
        ...(options.deliverTimeoutSeconds ? { contextTimeoutSeconds: options.deliverTimeoutSeconds } : {}),
      });
      const running = poller;
      stops.push(() => running.stop());
    }

    const gateway = await startGateway({
      port: options.port ?? 3000,
      handler: (event, context) => capture(event, context),
      pages: localPages({
        sandboxUrl: sandbox?.url,
        recentAttempts: () => recent,
        sqs,
        queueUrls: urls,
        sources,
        sourceProblems: (id) => (id === undefined ? sources.state().problems : sources.problemsOf(id)),
        customFields: dashboardNames,
        sourcesDir: options.sourcesDir ?? 'sources',
      }),
      ...(options.rateLimit
        ? { limit: gatewayLimit(rateLimiter(options.rateLimit), (id) => sources.get(id) !== undefined) }
        : {}),
    });
    stops.push(() => gateway.stop());

    const stateFile = join(dataDir, 'runtime.json');
    writeFileSync(
      stateFile,
      `${JSON.stringify(
        {
          pid: process.pid,
          startedAt: new Date().toISOString(),
          gatewayUrl: gateway.url,
          sandboxUrl: sandbox?.url,
          queueEndpoint: queue.endpoint,
          leadsUrl: urls.leadsUrl,
          leadsArn: urls.leadsArn,
          deadLetterUrl: urls.deadLetterUrl,
          deadLetterArn: urls.deadLetterArn,
        },
        null,
        2,
      )}\n`,
    );
    stops.push(async () => rmSync(stateFile, { force: true }));

    return {
      gatewayUrl: gateway.url,
      sandboxUrl: sandbox?.url,
      queueEndpoint: queue.endpoint,
      queueUrls: { leadsUrl: urls.leadsUrl, deadLetterUrl: urls.deadLetterUrl },
      get sandbox() {
        return sandbox;
      },
      poller,
      recentAttempts: () => [...recent],
      sourceState: () => sources.state(),
      async stopQueue() {
        await queue.stop();
      },
      async stopSandbox() {
        await sandbox?.stop();
      },
      async startSandboxAgain() {
        sandbox = await startSandbox({ ...sandboxOptions, port: sandboxPort });
      },
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

/** Environment variables and `secrets.env`; with the sandbox, its token stands in for ONPIPELINE_TOKEN. */
function localSecrets(file: string, sandbox: boolean): SecretStore {
  const store = secretsFromEnvironment(file);
  if (!sandbox) return store;
  return {
    get: async (name) => (name === 'ONPIPELINE_TOKEN' ? SANDBOX_TOKEN : store.get(name)),
    require: async (name) => (name === 'ONPIPELINE_TOKEN' ? SANDBOX_TOKEN : store.require(name)),
  };
}
