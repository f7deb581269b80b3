import {
  AppConfigDataClient,
  GetLatestConfigurationCommand,
  StartConfigurationSessionCommand,
} from '@aws-sdk/client-appconfigdata';
import { z } from 'zod';
import { env, setting } from '#shared/config.ts';
import { formatProblem, type SourceProblem } from '#shared/sources/errors.ts';
import { loadSources, parseSource } from '#shared/sources/loader.ts';
import { type SourceRegistry, sourceRegistry } from '#shared/sources/registry.ts';
import type { Source } from '#shared/sources/schema.ts';
import { logger } from '#shared/telemetry.ts';

/** The configuration version of the sources bundled into the functions at synth (the fallback). */
export const BUNDLED_VERSION = 'bundled';

/** AppConfig asks for at least 15 s between polls of one session (RequiredMinimumPollIntervalInSeconds). */
export const MIN_POLL_SECONDS = 15;
/** Default poll interval: a published change is in use within this plus one request (docs/operations.md). */
export const DEFAULT_POLL_SECONDS = 30;

/**
 * The document `leadgate sources publish` writes as one hosted configuration version:
 * `{ "version": "7", "sources": { "<sourceId>": <the source's YAML, as JSON> } }`. Each source is
 * validated exactly like a file (`parseSource`), so a document that would fail `sources check`
 * fails here too. docs/sources.md, "Change a mapping on AWS".
 */
export const publishedDocumentSchema = z.strictObject({
  version: z
    .union([z.string().regex(/^[A-Za-z0-9._-]{1,64}$/), z.number().int().positive()])
    .transform(String),
  sources: z.record(z.string(), z.unknown()),
});

export type PublishedDocument = { version: string; sources: Record<string, unknown> };

/**
 * Parses and validates a published document. Either every source is valid, or the problems list
 * each one with its source id (`published:<id>`) and path.
 *
 * @example
 * const result = parsePublishedDocument('{"version":"3","sources":{...}}');
 */
export function parsePublishedDocument(
  text: string,
): { ok: true; version: string; sources: Map<string, Source> } | { ok: false; problems: SourceProblem[] } {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return { ok: false, problems: [{ file: 'published', path: '', message: 'the document is not JSON' }] };
  }
  const document = publishedDocumentSchema.safeParse(data);
  if (!document.success) {
    return {
      ok: false,
      problems: document.error.issues.map((issue) => ({
        file: 'published',
        path: issue.path.join('.'),
        message: issue.message,
      })),
    };
  }
  const sources = new Map<string, Source>();
  const problems: SourceProblem[] = [];
  for (const [id, config] of Object.entries(document.data.sources)) {
    // JSON is YAML: the file loader's own checks and messages apply unchanged.
    const parsed = parseSource(id, JSON.stringify(config ?? null), `published:${id}`);
    if (parsed.ok) sources.set(id, parsed.source);
    else problems.push(...parsed.problems);
  }
  return problems.length > 0
    ? { ok: false, problems }
    : { ok: true, version: document.data.version, sources };
}

/** Where the published sources live: an AppConfig application, environment and configuration profile. */
export interface AppConfigTarget {
  application: string;
  environment: string;
  profile: string;
}

/** A source registry that knows which configuration version it serves and can bring it up to date. */
export interface VersionedSourceRegistry extends SourceRegistry {
  /** The configuration version served: a published version, or `bundled`. */
  version(): string;
  /**
   * Polls AppConfig when the poll interval has passed (else returns at once). Never throws: a failed
   * poll or an invalid document keeps the sources served, and is logged.
   */
  refresh(): Promise<void>;
}

export interface AppConfigSourceOptions {
  target: AppConfigTarget;
  /** The sources bundled at synth: served until a configuration is published. */
  bundled: Map<string, Source>;
  /** Seconds between polls; at least 15. Default 30. */
  pollSeconds?: number;
  /** Builds the AppConfigData client on the first poll (never at module scope: cold start). */
  client?: () => Pick<AppConfigDataClient, 'send'>;
  /** Clock in milliseconds (tests move it). */
  now?: () => number;
}

/**
 * The sources, read at run time from AWS AppConfig through the AppConfigData API: one session
 * (`StartConfigurationSession`), then `GetLatestConfiguration` with the token each answer gives for
 * the next call (https://docs.aws.amazon.com/appconfig/latest/userguide/appconfig-retrieving-the-configuration.html).
 * An empty answer means "no change" (or nothing deployed yet: the bundled sources stay). A failed
 * call drops the session (its token may be spent) and tries again after the poll interval. `get`
 * and `all` never wait; `refresh()` is awaited by deliver before it maps a lead, and by capture
 * before it routes a request; a `get` past the interval also starts one in the background.
 *
 * @example
 * const sources = appConfigSourceRegistry({ target, bundled: loadSources('sources') });
 * await sources.refresh();
 * sources.get('demo-contact');
 */
export function appConfigSourceRegistry(options: AppConfigSourceOptions): VersionedSourceRegistry {
  const pollSeconds = Math.max(MIN_POLL_SECONDS, options.pollSeconds ?? DEFAULT_POLL_SECONDS);
  const now = options.now ?? Date.now;
  let client: Pick<AppConfigDataClient, 'send'> | undefined;
  let sources = options.bundled;
  let version = BUNDLED_VERSION;
  let token: string | undefined;
  let nextPollAt = 0;
  let polling: Promise<void> | undefined;

  async function poll(): Promise<void> {
    try {
      // short timeouts: deliver waits for a due poll before mapping a lead, and must not spend its
      // own timeout on an AppConfig that does not answer (a failed poll keeps the sources in use)
      client ??=
        options.client?.() ??
        new AppConfigDataClient({
          maxAttempts: 2,
          requestHandler: { connectionTimeout: 1000, requestTimeout: 2000 },
        });
      if (token === undefined) {
        const session = await client.send(
          new StartConfigurationSessionCommand({
            ApplicationIdentifier: options.target.application,
            EnvironmentIdentifier: options.target.environment,
            ConfigurationProfileIdentifier: options.target.profile,
            RequiredMinimumPollIntervalInSeconds: pollSeconds,
          }),
        );
        token = session.InitialConfigurationToken;
      }
      const answer = await client.send(new GetLatestConfigurationCommand({ ConfigurationToken: token }));
      token = answer.NextPollConfigurationToken;
      nextPollAt = now() + Math.max(pollSeconds, answer.NextPollIntervalInSeconds ?? 0) * 1000;
      const bytes = answer.Configuration;
      if (bytes && bytes.length > 0) apply(new TextDecoder().decode(bytes));
    } catch (error) {
      token = undefined;
      nextPollAt = now() + pollSeconds * 1000;
      const name = error instanceof Error ? error.name : 'Error';
      logger.warn('could not read the published source configuration; the sources in use stay', {
        code: 'config_refresh_failed',
        error: name,
        configVersion: version,
      });
    }
  }

  function apply(text: string): void {
    const parsed = parsePublishedDocument(text);
    if (!parsed.ok) {
      logger.error('published source configuration refused: invalid; the sources in use stay', {
        code: 'invalid_published_config',
        configVersion: version,
        problems: parsed.problems.slice(0, 20).map(formatProblem),
      });
      return;
    }
    if (parsed.version === version) return;
    sources = parsed.sources;
    version = parsed.version;
    logger.info('published source configuration in use', {
      configVersion: version,
      sources: [...sources.keys()].sort(),
    });
  }

  const refresh = (): Promise<void> => {
    if (now() < nextPollAt) return Promise.resolve();
    polling ??= poll().finally(() => {
      polling = undefined;
    });
    return polling;
  };
  const touch = () => {
    if (now() >= nextPollAt) void refresh();
  };

  return {
    get: (id) => {
      touch();
      return sources.get(id);
    },
    all: () => {
      touch();
      return [...sources.values()];
    },
    version: () => version,
    refresh,
  };
}

/**
 * The sources for a function on AWS: from AppConfig when the stack names a configuration profile
 * (`APPCONFIG_*` variables), with the bundled folder as the fallback; from the folder alone otherwise.
 *
 * @example
 * const deps = { sources: sourcesFromEnvironment(), ... };
 */
export function sourcesFromEnvironment(): SourceRegistry {
  const dir = setting(env.sourcesDir, 'sources');
  const application = setting(env.appConfigApplication);
  const environment = setting(env.appConfigEnvironment);
  const profile = setting(env.appConfigProfile);
  if (!application || !environment || !profile) return sourceRegistry(dir);
  return appConfigSourceRegistry({
    target: { application, environment, profile },
    bundled: loadSources(dir),
    pollSeconds: Number(setting(env.appConfigPollSeconds, String(DEFAULT_POLL_SECONDS))),
  });
}

/** The configuration version a registry serves (`bundled` for one that does not know versions). */
export function configVersionOf(sources: SourceRegistry): string {
  return (sources as Partial<VersionedSourceRegistry>).version?.() ?? BUNDLED_VERSION;
}

/** Brings a registry up to date if it can be (AppConfig); at once for one that cannot. */
export async function refreshSources(sources: SourceRegistry): Promise<void> {
  await (sources as Partial<VersionedSourceRegistry>).refresh?.();
}
