import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { env, setting } from '#shared/config.ts';

/**
 * Secrets by NAME (`ONPIPELINE_TOKEN`, `ACME_PARTNER_KEY`...), in two classes that never meet:
 * - the **gateway** verification secrets, read by capture only (`META_APP_SECRET`,
 *   `META_VERIFY_TOKEN`, `LINKEDIN_CLIENT_SECRET`, `TIKTOK_APP_SECRET`, partner `apiKeys` and
 *   `signingSecrets`, Google Ads `googleAds.key`, CAPTCHA secrets);
 * - the **API tokens**, read by deliver only (`ONPIPELINE_TOKEN`, Meta `pageToken`s,
 *   `LINKEDIN_ACCESS_TOKEN`).
 * On AWS each function's `SECRETS_ARN` names its own Secrets Manager secret (a JSON object
 * name → value), read once and cached for five minutes. On one machine they come from environment
 * variables, then from `.leadgate/gateway-secrets.env` or `.leadgate/api-tokens.env`, then from the
 * old shared `.leadgate/secrets.env` (read for both, with a warning). See docs/operations.md,
 * "Security model".
 *
 * @example
 * const token = await secrets.require('ONPIPELINE_TOKEN');
 */
export interface SecretStore {
  get(name: string): Promise<string | undefined>;
  require(name: string): Promise<string>;
}

export class MissingSecretError extends Error {
  readonly code = 'missing_secret';
  constructor(name: string) {
    super(`secret ${name} is not set`);
    this.name = 'MissingSecretError';
  }
}

const CACHE_MS = 5 * 60 * 1000;

/** A store over a `name → value` loader, with caching and a `require` that names what is missing. */
export function secretStore(load: () => Promise<Record<string, string>>, cacheMs = CACHE_MS): SecretStore {
  let cached: { values: Record<string, string>; at: number } | undefined;
  let pending: Promise<Record<string, string>> | undefined;
  const values = async () => {
    if (cached && Date.now() - cached.at < cacheMs) return cached.values;
    pending ??= load().then(
      (loaded) => {
        cached = { values: loaded, at: Date.now() };
        pending = undefined;
        return loaded;
      },
      (error: unknown) => {
        pending = undefined;
        throw error;
      },
    );
    return pending;
  };
  const get = async (name: string) => {
    const loaded = await values();
    const value = Object.hasOwn(loaded, name) ? loaded[name] : undefined;
    return value === undefined || value === '' ? undefined : value;
  };
  return {
    get,
    async require(name) {
      const value = await get(name);
      if (value === undefined) throw new MissingSecretError(name);
      return value;
    },
  };
}

/** Reads `NAME=value` lines (with optional quotes and `#` comments). */
export function parseEnvFile(text: string): Record<string, string> {
  const values: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const match = /^\s*(?:export\s+)?([A-Z][A-Z0-9_]*)\s*=\s*(.*?)\s*$/.exec(line);
    if (!match?.[1] || line.trim().startsWith('#')) continue;
    values[match[1]] = (match[2] ?? '').replace(/^(['"])(.*)\1$/, '$2');
  }
  return values;
}

/** Which secrets a reader may see: the gateway's verification secrets, or the API tokens. */
export type SecretSide = 'gateway' | 'api';

/** The one-machine secret file of each side, in the state folder (`.leadgate/`). */
export const localSecretFiles: Readonly<Record<SecretSide, string>> = {
  gateway: 'gateway-secrets.env',
  api: 'api-tokens.env',
};

/** The old single file, read for both sides until it is split. */
export const legacySecretsFile = 'secrets.env';

/**
 * The one local secret reader: `NAME=value` pairs of one side from the environment, over
 * `<dataDir>/<side's file>`, over the legacy `<dataDir>/secrets.env`.
 */
export function localSecretValues(
  dataDir: string,
  side: SecretSide,
  environment: Record<string, string | undefined> = process.env,
): Record<string, string> {
  const read = (file: string) => (existsSync(file) ? parseEnvFile(readFileSync(file, 'utf8')) : {});
  const fromEnv = Object.fromEntries(
    Object.entries(environment).filter(
      (entry): entry is [string, string] => /^[A-Z][A-Z0-9_]*$/.test(entry[0]) && !!entry[1],
    ),
  );
  return {
    ...read(join(dataDir, legacySecretsFile)),
    ...read(join(dataDir, localSecretFiles[side])),
    ...fromEnv,
  };
}

/** A store over {@link localSecretValues}, re-read every `cacheMs` (edits apply without a restart). */
export function localSecretStore(
  dataDir: string,
  side: SecretSide,
  environment: Record<string, string | undefined> = process.env,
  cacheMs = 1000,
): SecretStore {
  return secretStore(async () => localSecretValues(dataDir, side, environment), cacheMs);
}

/**
 * The warning to show once at start while the old shared `<dataDir>/secrets.env` exists (it is
 * still read for both sides), saying how to split it; `undefined` when there is none. Names files
 * and secret classes only, never a value.
 */
export function legacySecretsWarning(dataDir: string): string | undefined {
  const legacy = join(dataDir, legacySecretsFile);
  if (!existsSync(legacy)) return undefined;
  return [
    `warning: ${legacy} is deprecated: it is still read, but by both the gateway and deliver.`,
    `  Split it in two files in ${dataDir} (same NAME=value lines), then delete it:`,
    `  - ${localSecretFiles.gateway}: the gateway's verification secrets (META_APP_SECRET, META_VERIFY_TOKEN,`,
    '    LINKEDIN_CLIENT_SECRET, TIKTOK_APP_SECRET, partner apiKeys/signingSecrets, googleAds.key, CAPTCHA secrets);',
    `  - ${localSecretFiles.api}: the API tokens (ONPIPELINE_TOKEN, Meta pageToken names, LINKEDIN_ACCESS_TOKEN).`,
  ].join('\n');
}

/**
 * The store of one side for this environment: Secrets Manager when `SECRETS_ARN` is set (on AWS it
 * names that function's own secret), else {@link localSecretStore} under `dataDir`.
 */
export function secretsFromEnvironment(side: SecretSide, dataDir = '.leadgate'): SecretStore {
  const arn = setting(env.secretsArn);
  if (arn) {
    let client: SecretsManagerClient | undefined;
    return secretStore(async () => {
      // the SDK client is loaded on the first secret read, not at cold start: many requests (a form
      // without CAPTCHA, the health check) never read a secret (docs/architecture.md, "Cold start")
      const { GetSecretValueCommand, SecretsManagerClient } = await import('@aws-sdk/client-secrets-manager');
      client ??= new SecretsManagerClient({});
      const answer = await client.send(new GetSecretValueCommand({ SecretId: arn }));
      const parsed: unknown = JSON.parse(answer.SecretString ?? '{}');
      if (parsed === null || typeof parsed !== 'object') throw new Error('the secret must be a JSON object');
      return Object.fromEntries(Object.entries(parsed).map(([key, value]) => [key, String(value)]));
    });
  }
  return localSecretStore(dataDir, side);
}
