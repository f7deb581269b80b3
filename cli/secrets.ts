import { existsSync, readFileSync } from 'node:fs';
import { parseEnvFile, type SecretStore, secretStore } from '#shared/secrets.ts';
import type { Io } from './io.ts';
import type { Workspace } from './workspace.ts';

/**
 * Secrets by name for the CLI: the environment first, then `<dataDir>/secrets.env` (never Secrets
 * Manager: the CLI runs on a person's machine). Values are used, never printed.
 */
export function cliSecrets(io: Io, space: Workspace): SecretStore {
  return secretStore(async () => {
    const fromFile = existsSync(space.secretsFile)
      ? parseEnvFile(readFileSync(space.secretsFile, 'utf8'))
      : {};
    const fromEnv = Object.fromEntries(
      Object.entries(io.env).filter(
        (entry): entry is [string, string] => /^[A-Z][A-Z0-9_]*$/.test(entry[0]) && !!entry[1],
      ),
    );
    return { ...fromFile, ...fromEnv };
  }, 0);
}
