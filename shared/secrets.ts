import { existsSync, readFileSync } from 'node:fs';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { env, setting } from '#shared/config.ts';

/**
 * Secrets by NAME (`ONPIPELINE_TOKEN`, `ACME_PARTNER_KEY`...). On AWS they live in one Secrets Manager
 * secret (a JSON object name → value, ARN in `SECRETS_ARN`) read once and cached for five minutes.
 * On one machine they come from environment variables, then from `.leadgate/secrets.env`.
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

/** The store for this environment: Secrets Manager when `SECRETS_ARN` is set, else env + secrets file. */
export function secretsFromEnvironment(localFile = '.leadgate/secrets.env'): SecretStore {
  const arn = setting(env.secretsArn);
  if (arn) {
    const client = new SecretsManagerClient({});
    return secretStore(async () => {
      const answer = await client.send(new GetSecretValueCommand({ SecretId: arn }));
      const parsed: unknown = JSON.parse(answer.SecretString ?? '{}');
      if (parsed === null || typeof parsed !== 'object') throw new Error('the secret must be a JSON object');
      return Object.fromEntries(Object.entries(parsed).map(([key, value]) => [key, String(value)]));
    });
  }
  return secretStore(async () => {
    const fromFile = existsSync(localFile) ? parseEnvFile(readFileSync(localFile, 'utf8')) : {};
    const fromEnv = Object.fromEntries(
      Object.entries(process.env).filter(
        (entry): entry is [string, string] => /^[A-Z][A-Z0-9_]*$/.test(entry[0]) && !!entry[1],
      ),
    );
    return { ...fromFile, ...fromEnv };
  }, 1000);
}
