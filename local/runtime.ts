import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createCaptureHandler } from '#functions/capture.ts';
import { captureDeps } from '#functions/deps.ts';
import { type ActivitySnapshot, activitySeries } from '#local/dashboard/activity.ts';
import { deliveryLog, type ObservedAttempt } from '#local/dashboard/deliveries.ts';
import {
  type DeliverySide,
  type PollerHandle,
  type SandboxHandle,
  sandboxToken,
  startDeliverySide,
} from '#local/delivery.ts';
import { startFakeCaptcha } from '#local/fakes/captcha.ts';
import { startGateway } from '#local/gateway.ts';
import { liveSourceRegistry, type SourceState, sourceReporter } from '#local/live-sources.ts';
import { localPages } from '#local/pages.ts';
import { ensureQueues, startEmbeddedQueue } from '#local/queue.ts';
import { gatewayLimit, type RateLimitSettings, rateLimiter } from '#local/rate-limit.ts';
import type { SandboxFaults } from '#local/sandbox/server.ts';
import { terminalLogInUse } from '#local/terminal-log.ts';
import { type CaptchaUrls, captchaVerifyUrls, VERIFY_URL_SETTINGS } from '#shared/channels/form/captcha.ts';
import type { DeliveryDeps } from '#shared/delivery/deliver.ts';
import { createOnpipelineClient } from '#shared/onpipeline/client.ts';
import { type CustomFieldNames, customFieldNames } from '#shared/onpipeline/custom-fields.ts';
import { type LeadQueue, leadQueue, sqsClient } from '#shared/queue/client.ts';
import { leadsQueue } from '#shared/queue/definition.ts';
import {
  legacySecretsWarning,
  localSecretFiles,
  localSecretStore,
  type SecretStore,
} from '#shared/security/secrets.ts';
import { missingSecrets } from '#shared/sources/secret-names.ts';
import { logger } from '#shared/telemetry.ts';

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
  /**
   * One store for both sides (tests). By default capture reads environment variables, then
   * `<dataDir>/gateway-secrets.env`, and deliver environment variables, then `<dataDir>/api-tokens.env`
   * (both fall back to the old `<dataDir>/secrets.env`, with a warning), as on AWS each function
   * reads its own secret.
   */
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
  /**
   * Real seconds per second of the retry schedule (backoff delays, the leads queue's visibility
   * timeout); default 1. Below 1 compresses time with the same receive counts and schedule: 1/2000
   * runs a day of retries in 43 s (tests of long outages).
   */
  timeScale?: number;
  /** Backoff seam (tests shorten it). */
  retryDelay?: DeliveryDeps['retryDelay'];
  sandboxFaults?: SandboxFaults;
  /** Per-client-IP rate limit of the gateway (429 with Retry-After); default off. */
  rateLimit?: RateLimitSettings;
  /** Graph API base URL for deliver's Meta lead fetches (e.g. the fake, `local/fakes/graph.ts`). */
  graphUrl?: string;
  /** LinkedIn API base URL for deliver's lead fetches (e.g. the fake, `local/fakes/linkedin.ts`). */
  linkedinUrl?: string;
  /**
   * CAPTCHA siteverify URLs by setting name (`TURNSTILE_VERIFY_URL`, `HCAPTCHA_VERIFY_URL`,
   * `RECAPTCHA_VERIFY_URL`); a provider without one is verified by the local stand-in
   * (`local/fakes/captcha.ts`). https only, plain http only on loopback: checked before anything starts.
   */
  captchaVerifyUrls?: Record<string, string | undefined>;
  /** Siteverify timeout; default 4 s. */
  captchaTimeoutMs?: number;
  /**
   * How a reload of `sources/` is reported: readable lines (`text`) or a JSON log line (`json`);
   * default `text` when stdout is a terminal, else `json`.
   */
  sourceReport?: 'text' | 'json';
}

export interface Runtime {
  gatewayUrl: string;
  sandboxUrl: string | undefined;
  /** The local CAPTCHA stand-in (`local/fakes/captcha.ts`), when a provider uses it. */
  captchaFakeUrl: string | undefined;
  queueEndpoint: string;
  queueUrls: { leadsUrl: string; deadLetterUrl: string };
  /**
   * The Onpipeline sandbox, which runs in the delivery thread (docs/architecture.md, "One machine:
   * threads"): its leads and stats are read in messages, so they are promises.
   */
  sandbox: SandboxHandle | undefined;
  /** The poller in the delivery thread: its counts as of its last batch; `stop` stops delivering. */
  poller: PollerHandle | undefined;
  /** The delivery thread's in-process counters (`counterValues`, e.g. `delivery_ambiguous`). */
  deliveryCounters(): Promise<Record<string, number>>;
  /** The most recent delivery attempts, newest first (for the dashboard and `leadgate status`). */
  recentAttempts(): ObservedAttempt[];
  /** Leads, outcomes and latency per minute over the last hours (the dashboard's charts). */
  activity(): ActivitySnapshot;
  /** What the developer should be told at start (e.g. the old `secrets.env` still to split). */
  warnings: readonly string[];
  /** What the live source registry serves and which files on disk it refused (`local/live-sources.ts`). */
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
  const captchaSettings = options.captchaVerifyUrls ?? {};
  captchaVerifyUrls(captchaSettings); // a bad *_VERIFY_URL stops the start here (CaptchaSettingError)
  mkdirSync(join(dataDir, 'queue'), { recursive: true });
  const stops: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    for (const stop of stops.splice(0).reverse()) await stop().catch(() => undefined);
  };
  try {
    const queuePort = options.queuePort ?? 3002;
    const queue = await startEmbeddedQueue({ port: queuePort, dataDir: join(dataDir, 'queue') }).catch(
      portInUse('the embedded queue', queuePort, 'QUEUE_PORT'),
    );
    stops.push(() => queue.stop());
    const sqs = sqsClient(queue.endpoint);
    stops.push(async () => sqs.destroy());
    const timeScale = options.timeScale ?? 1;
    const activity = activitySeries();
    const urls = onPort(
      await ensureQueues(sqs, {
        visibilityTimeoutSeconds:
          options.visibilityTimeoutSeconds ??
          (timeScale === 1
            ? undefined
            : Math.max(1, Math.ceil(leadsQueue.visibilityTimeoutSeconds * timeScale))),
      }),
      queue.port,
    );

    const sources = liveSourceRegistry(options.sourcesDir ?? 'sources', {
      onChange: sourceReporter(options.sourceReport ?? (process.stdout.isTTY ? 'text' : 'json')),
    });
    stops.push(async () => sources.close());
    const gatewaySecrets = options.secrets ?? localSecretStore(dataDir, 'gateway');
    const apiTokens =
      options.secrets ?? sandboxToken(localSecretStore(dataDir, 'api'), !options.onpipelineUrl);
    const legacyWarning = options.secrets ? undefined : legacySecretsWarning(dataDir);

    // The delivery side (sandbox, poller, deliver) in a thread of its own: docs/architecture.md.
    const deliveries = deliveryLog({ recentLimit: RECENT_ATTEMPTS, activity });
    const sandboxPort = options.sandboxPort ?? 3001;
    const wantsSandbox = !options.onpipelineUrl;
    const delivering = options.deliver !== false;
    let delivery: DeliverySide | undefined;
    if (wantsSandbox || delivering) {
      delivery = await startDeliverySide(
        {
          queueEndpoint: queue.endpoint,
          queueUrls: urls,
          timeScale,
          dataDir,
          sourcesDir: options.sourcesDir ?? 'sources',
          ...(wantsSandbox
            ? {
                sandbox: {
                  port: sandboxPort,
                  dataFile: join(dataDir, 'sandbox-leads.jsonl'),
                  faults: options.sandboxFaults,
                },
              }
            : {}),
          onpipelineUrl: options.onpipelineUrl,
          deliver: delivering,
          onpipelineTimeoutMs: options.onpipelineTimeoutMs ?? 10_000,
          pollWaitSeconds: options.pollWaitSeconds ?? 20,
          deliverTimeoutSeconds: options.deliverTimeoutSeconds,
          graphUrl: options.graphUrl,
          linkedinUrl: options.linkedinUrl,
          secretsFromParent: options.secrets !== undefined,
          retryDelayFromParent: options.retryDelay !== undefined,
          terminalLog: terminalLogInUse(logger),
        },
        { secrets: options.secrets, retryDelay: options.retryDelay, observe: deliveries.observe },
      ).catch(portInUse('the Onpipeline sandbox', sandboxPort, 'SANDBOX_PORT'));
      const started = delivery;
      stops.push(() => started.stop());
    }
    const sandbox = delivery?.sandbox;
    const onpipelineUrl = options.onpipelineUrl ?? sandbox?.url ?? '';
    // CAPTCHA: providers without a *_VERIFY_URL setting are verified by the local stand-in
    let captchaUrls: CaptchaUrls = captchaVerifyUrls(captchaSettings);
    let captchaFakeUrl: string | undefined;
    const unset = Object.entries(VERIFY_URL_SETTINGS).filter(([, name]) => !captchaSettings[name]);
    if (unset.length > 0) {
      const fake = await startFakeCaptcha();
      stops.push(() => fake.stop());
      captchaFakeUrl = fake.url;
      captchaUrls = {
        ...captchaUrls,
        ...Object.fromEntries(
          unset.map(([provider]) => [provider, fake.urls[provider as keyof CaptchaUrls]]),
        ),
      };
    }
    const leads = leadQueue({ sqs, leadsUrl: urls.leadsUrl, deadLetterUrl: urls.deadLetterUrl, timeScale });
    const capture = createCaptureHandler(() =>
      captureDeps({
        sources,
        queue: counted(leads, activity),
        secrets: gatewaySecrets,
        captcha: { urls: captchaUrls, timeoutMs: options.captchaTimeoutMs ?? 4000 },
      }),
    );

    // The playground resolves `name:` custom fields as deliver does (its own cached ListCustomFields).
    const dashboardNames: CustomFieldNames | undefined = delivering
      ? customFieldNames(
          createOnpipelineClient({
            baseUrl: onpipelineUrl,
            token: () => apiTokens.require('ONPIPELINE_TOKEN'),
            timeoutMs: options.onpipelineTimeoutMs ?? 10_000,
          }),
        )
      : undefined;

    const gatewayPort = options.port ?? 3000;
    const gateway = await startGateway({
      port: gatewayPort,
      handler: (event, context) => capture(event, context),
      pages: localPages({
        sandboxUrl: sandbox?.url,
        recentAttempts: deliveries.recent,
        activity: () => activity.snapshot(),
        sqs,
        queueUrls: urls,
        sources,
        sourceProblems: (id) => (id === undefined ? sources.state().problems : sources.problemsOf(id)),
        customFields: dashboardNames,
        sourcesDir: options.sourcesDir ?? 'sources',
        forgetAttempts: deliveries.forget,
        secrets: {
          missing: () => missingSecrets(sources.all(), { gateway: gatewaySecrets, api: apiTokens }),
          files: {
            gateway: join(dataDir, localSecretFiles.gateway),
            api: join(dataDir, localSecretFiles.api),
          },
        },
      }),
      ...(options.rateLimit ? { limit: gatewayLimit(rateLimiter(options.rateLimit)) } : {}),
    }).catch(portInUse('the gateway', gatewayPort, 'PORT'));
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
      captchaFakeUrl,
      queueEndpoint: queue.endpoint,
      queueUrls: { leadsUrl: urls.leadsUrl, deadLetterUrl: urls.deadLetterUrl },
      sandbox,
      poller: delivery?.poller,
      deliveryCounters: async () => (await delivery?.counters()) ?? {},
      recentAttempts: deliveries.recent,
      activity: () => activity.snapshot(),
      warnings: legacyWarning ? [legacyWarning] : [],
      sourceState: () => sources.state(),
      async stopQueue() {
        await queue.stop();
      },
      async stopSandbox() {
        if (sandbox) await delivery?.stopSandbox();
      },
      async startSandboxAgain() {
        if (sandbox) await delivery?.startSandboxAgain();
      },
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

/** A port leadgate needs is taken: which server, which port, and the variable that moves it. */
export class PortInUseError extends Error {
  readonly code = 'EADDRINUSE';
  readonly server: string;
  readonly port: number;
  readonly variable: string;
  constructor(server: string, port: number, variable: string, cause: unknown) {
    super(`port ${port} (${server}) is already in use`, { cause });
    this.name = 'PortInUseError';
    this.server = server;
    this.port = port;
    this.variable = variable;
  }
}

/** Turns a "port in use" failure of one server into a `PortInUseError` naming it; rethrows the rest. */
function portInUse(server: string, port: number, variable: string) {
  return (error: unknown): never => {
    const code = (error as NodeJS.ErrnoException | undefined)?.code;
    if (code === 'EADDRINUSE' || /EADDRINUSE/.test(String((error as Error | undefined)?.message))) {
      throw new PortInUseError(server, port, variable, error);
    }
    throw error;
  };
}

/**
 * The queue URLs on the port the queue listens on now. The embedded queue keeps the URL a queue was
 * created with (on disk), so after a start on another `QUEUE_PORT` it still names the old port.
 */
function onPort<T extends { leadsUrl: string; deadLetterUrl: string }>(urls: T, port: number): T {
  const move = (text: string) => {
    const url = new URL(text);
    url.port = String(port);
    return url.toString();
  };
  return { ...urls, leadsUrl: move(urls.leadsUrl), deadLetterUrl: move(urls.deadLetterUrl) };
}

/** The capture side's queue, counting every stored lead in the charts' series. */
function counted(queue: LeadQueue, activity: ReturnType<typeof activitySeries>): LeadQueue {
  return {
    ...queue,
    async enqueue(envelope) {
      await queue.enqueue(envelope);
      activity.accepted(envelope.sourceId);
    },
  };
}
