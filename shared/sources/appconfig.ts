import type { AppConfigDataClient } from '@aws-sdk/client-appconfigdata';
import { env, setting } from '#shared/config.ts';
import { readSourcesBundle } from '#shared/sources/bundle.ts';
import { formatProblem } from '#shared/sources/errors.ts';
import type { SourceRegistry } from '#shared/sources/registry.ts';
import type { Source } from '#shared/sources/schema.ts';
import { logger } from '#shared/telemetry.ts';

export type { PublishedDocument } from '#shared/sources/published.ts';

/** The configuration version of the sources bundled into the functions at synth (the fallback). */
export const BUNDLED_VERSION = 'bundled';

/** AppConfig asks for at least 15 s between polls of one session (RequiredMinimumPollIntervalInSeconds). */
export const MIN_POLL_SECONDS = 15;
/** Default poll interval: a published change is in use within this plus one request (docs/operations.md). */
export const DEFAULT_POLL_SECONDS = 30;

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
  /**
   * The sources bundled at synth: served until a configuration is published. A function instead of a
   * map loads them on the first `refresh()` (a folder of YAML files, which only the one-machine
   * runtime and tests give a function); a failure to load them is thrown from that `refresh()`.
   */
  bundled: Map<string, Source> | (() => Promise<Map<string, Source>>);
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
  let sources = typeof options.bundled === 'function' ? undefined : options.bundled;
  const loadBundled = typeof options.bundled === 'function' ? options.bundled : undefined;
  let version = BUNDLED_VERSION;
  let token: string | undefined;
  let nextPollAt = 0;
  let polling: Promise<void> | undefined;

  async function poll(): Promise<void> {
    try {
      // the AppConfigData SDK client is loaded on the first poll, not at cold start: a function that
      // serves the bundled sources never loads it (docs/architecture.md, "Cold start")
      const { AppConfigDataClient, GetLatestConfigurationCommand, StartConfigurationSessionCommand } =
        await import('@aws-sdk/client-appconfigdata');
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
      if (bytes && bytes.length > 0) await apply(new TextDecoder().decode(bytes));
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

  async function apply(text: string): Promise<void> {
    // the validator (the source config schema) is loaded with the first published document only
    const { parsePublishedDocument } = await import('#shared/sources/published.ts');
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

  let loading: Promise<void> | undefined;
  const refresh = async (): Promise<void> => {
    if (sources === undefined && loadBundled) {
      loading ??= loadBundled().then((loaded) => {
        sources ??= loaded;
      });
      await loading;
    }
    if (now() < nextPollAt) return;
    polling ??= poll().finally(() => {
      polling = undefined;
    });
    await polling;
  };
  const served = (): Map<string, Source> => {
    if (sources === undefined)
      throw new Error('the bundled sources are not loaded yet: await refresh() first');
    return sources;
  };
  const touch = () => {
    // a failure to load the bundled sources is thrown by the refresh() capture and deliver await
    if (now() >= nextPollAt) refresh().catch(() => undefined);
  };

  return {
    get: (id) => {
      touch();
      return served().get(id);
    },
    all: () => {
      touch();
      return [...served().values()];
    },
    version: () => version,
    refresh,
  };
}

/**
 * The sources for a function on AWS: from AppConfig when the stack names a configuration profile
 * (`APPCONFIG_*` variables), with the bundled sources as the fallback; the bundled ones alone
 * otherwise. The stack bundles them validated, as one JSON file (`#shared/sources/bundle.ts`), read
 * here without the YAML parser or the config schema. A folder without that file (one machine, tests)
 * is read as YAML files on the first `refresh()`, which capture and deliver await before they use it.
 *
 * @example
 * const deps = { sources: sourcesFromEnvironment(), ... };
 */
export function sourcesFromEnvironment(): SourceRegistry {
  const dir = setting(env.sourcesDir, 'sources');
  const bundled =
    readSourcesBundle(dir) ?? (async () => (await import('#shared/sources/loader.ts')).loadSources(dir));
  const application = setting(env.appConfigApplication);
  const environment = setting(env.appConfigEnvironment);
  const profile = setting(env.appConfigProfile);
  if (!application || !environment || !profile) return bundledSourceRegistry(bundled);
  return appConfigSourceRegistry({
    target: { application, environment, profile },
    bundled,
    pollSeconds: Number(setting(env.appConfigPollSeconds, String(DEFAULT_POLL_SECONDS))),
  });
}

/** The bundled sources alone: loaded now, or on the first `refresh()` when given as a loader. */
function bundledSourceRegistry(
  bundled: Map<string, Source> | (() => Promise<Map<string, Source>>),
): SourceRegistry & { refresh(): Promise<void> } {
  let sources = typeof bundled === 'function' ? undefined : bundled;
  let loading: Promise<void> | undefined;
  const served = (): Map<string, Source> => {
    if (sources === undefined)
      throw new Error('the bundled sources are not loaded yet: await refresh() first');
    return sources;
  };
  return {
    get: (id) => served().get(id),
    all: () => [...served().values()],
    refresh: async () => {
      if (sources !== undefined || typeof bundled !== 'function') return;
      loading ??= bundled().then((loaded) => {
        sources = loaded;
      });
      await loading;
    },
  };
}

/** The configuration version a registry serves (`bundled` for one that does not know versions). */
export function configVersionOf(sources: SourceRegistry): string {
  return (sources as Partial<VersionedSourceRegistry>).version?.() ?? BUNDLED_VERSION;
}

/** Brings a registry up to date if it can be (AppConfig); at once for one that cannot. */
export async function refreshSources(sources: SourceRegistry): Promise<void> {
  await (sources as Partial<VersionedSourceRegistry>).refresh?.();
}
