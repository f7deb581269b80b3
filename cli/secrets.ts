import type { Io } from '#cli/io.ts';
import type { Workspace } from '#cli/workspace.ts';
import {
  legacySecretsWarning,
  localSecretValues,
  type SecretSide,
  type SecretStore,
  secretStore,
} from '#shared/security/secrets.ts';

/**
 * Secrets by name for the CLI, of the side that matches what the command does: `gateway` (the
 * gateway's verification secrets, e.g. `send-test` signing as a sender) or `api` (the API tokens, e.g.
 * `fields pull` calling Onpipeline). The environment first, then `<dataDir>/gateway-secrets.env` or
 * `<dataDir>/api-tokens.env`, then the old `<dataDir>/secrets.env` with a warning on stderr (never
 * Secrets Manager: the CLI runs on a person's machine). Values are used, never printed.
 */
export function cliSecrets(io: Io, space: Workspace, side: SecretSide): SecretStore {
  const warning = legacySecretsWarning(space.dataDir);
  if (warning) io.err(warning);
  return secretStore(async () => localSecretValues(space.dataDir, side, io.env), 0);
}
