import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CliError, type Io } from '#cli/io.ts';
import { localSecretFiles } from '#shared/security/secrets.ts';

/** The options every command understands, besides its own. */
export const globalOptions = {
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  sources: { type: 'string' },
  'data-dir': { type: 'string' },
} as const;

/** Where a command finds the project's files. */
export interface Workspace {
  /** The source configs folder: `--sources`, else `SOURCES_DIR`, else `sources`. */
  sourcesDir: string;
  /** The one-machine state folder: `--data-dir`, else `LEADGATE_DATA_DIR`, else `.leadgate`. */
  dataDir: string;
  /** `<dataDir>/gateway-secrets.env`: the gateway's verification secrets (what capture reads). */
  gatewaySecretsFile: string;
  /** `<dataDir>/api-tokens.env`: the API tokens (what deliver reads). */
  apiTokensFile: string;
  /** `<sourcesDir>/custom-fields.json`, the committed cache `leadgate fields pull` writes. */
  customFieldsFile: string;
}

/** Resolves the workspace folders from the global options and the environment. */
export function workspace(io: Io, values: { sources?: string | undefined; 'data-dir'?: string | undefined }) {
  const sourcesDir = resolve(io.cwd, values.sources ?? (io.env.SOURCES_DIR || 'sources'));
  const dataDir = resolve(io.cwd, values['data-dir'] ?? (io.env.LEADGATE_DATA_DIR || '.leadgate'));
  return {
    sourcesDir,
    dataDir,
    gatewaySecretsFile: join(dataDir, localSecretFiles.gateway),
    apiTokensFile: join(dataDir, localSecretFiles.api),
    customFieldsFile: join(sourcesDir, 'custom-fields.json'),
  } satisfies Workspace;
}

/** What a running one-machine leadgate writes to `<dataDir>/runtime.json` (see `local/runtime.ts`). */
export interface RuntimeState {
  pid?: number;
  startedAt?: string;
  gatewayUrl: string;
  sandboxUrl?: string;
  queueEndpoint: string;
  leadsUrl: string;
  leadsArn?: string;
  deadLetterUrl: string;
  deadLetterArn?: string;
}

/**
 * Reads `<dataDir>/runtime.json`, the address book of the running one-machine leadgate.
 * Throws a `CliError` that says how to start it when there is none.
 */
export function readRuntimeState(space: Workspace, hint: string): RuntimeState {
  const file = join(space.dataDir, 'runtime.json');
  if (!existsSync(file)) {
    throw new CliError(`no running leadgate found (${file} does not exist).`, {
      details: ['Start it with `npm start`.', hint],
    });
  }
  let state: Partial<RuntimeState>;
  try {
    state = JSON.parse(readFileSync(file, 'utf8')) as Partial<RuntimeState>;
  } catch {
    throw new CliError(`${file} is not valid JSON: restart leadgate with \`npm start\`.`);
  }
  if (!state.gatewayUrl || !state.queueEndpoint || !state.leadsUrl || !state.deadLetterUrl) {
    throw new CliError(`${file} is incomplete: restart leadgate with \`npm start\`.`);
  }
  return state as RuntimeState;
}

/**
 * A clear error for a local server that does not answer: leadgate stopped without removing its
 * `runtime.json` (a crash), or `--gateway` points nowhere.
 */
export function notRunning(url: string, error: unknown): CliError {
  const code = (error as { cause?: { code?: string } })?.cause?.code;
  return new CliError(`leadgate does not answer at ${url}${code ? ` (${code})` : ''}.`, {
    details: ['Is it running? Start it with `npm start`, or pass --gateway URL.'],
  });
}
