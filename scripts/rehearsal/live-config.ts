import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bufferIo } from '#cli/io.ts';
import { main } from '#cli/leadgate.ts';
import type { ReceivedLead } from '#local/sandbox/store.ts';

/**
 * The published-sources step of the deploy rehearsal (docs/operations.md, "Deploy rehearsal" and
 * "Publishing sources"): with the packages running, `leadgate sources publish` (the real CLI, against
 * the AppConfig stand-in) publishes the shipped sources as version 1, then a changed demo-contact
 * mapping as version 2; form leads are posted until one arrives mapped by version 2, with no
 * deployment. Then `leadgate sources rollback` goes back to version 1 and leads are posted until one
 * arrives mapped as before. Each must happen within `withinMs` (default 60 s).
 */
export interface LiveConfigRehearsal {
  scratch: string;
  sourcesDir: string;
  gatewayUrl: string;
  appConfigUrl: string;
  ids: { application: string; environment: string; profile: string; strategy: string };
  credentials: Record<string, string>;
  region: string;
  leads: () => ReceivedLead[];
  log: (line: string) => void;
  withinMs?: number;
}

/** What the published mapping writes into FirstName: a constant, so the change shows in every lead. */
export const PUBLISHED_FIRST_NAME = 'Published';
const ORIGINAL_FIRST_NAME = 'FirstName: { from: first_name, transform: collapse }';

export async function rehearsePublishing(options: LiveConfigRehearsal): Promise<string[]> {
  const problems: string[] = [];
  const dir = join(options.scratch, 'published-sources');
  cpSync(options.sourcesDir, dir, { recursive: true });
  const leadgate = async (...args: string[]) => {
    const io = bufferIo({
      cwd: options.scratch,
      env: {
        ...options.credentials,
        AWS_REGION: options.region,
        AWS_ENDPOINT_URL_APPCONFIG: options.appConfigUrl,
        LEADGATE_APPCONFIG_APPLICATION: options.ids.application,
        LEADGATE_APPCONFIG_ENVIRONMENT: options.ids.environment,
        LEADGATE_APPCONFIG_PROFILE: options.ids.profile,
        LEADGATE_APPCONFIG_STRATEGY: options.ids.strategy,
      },
    });
    const code = await main(
      [...args, '--sources', dir, '--data-dir', join(options.scratch, '.leadgate'), '--by', 'rehearsal'],
      io,
    );
    if (code !== 0)
      throw new Error(`leadgate ${args.join(' ')}: ${io.stderr().trim() || io.stdout().trim()}`);
    return io.stdout().trim();
  };
  const withinMs = options.withinMs ?? 60_000;

  /** Posts a form lead every second until one arrives with `firstName`; the time it took, or undefined. */
  async function mappedWithin(firstName: string): Promise<number | undefined> {
    const started = Date.now();
    let sent = 0;
    while (Date.now() - started < withinMs) {
      const lastName = `Rehearsal-live-${started}-${sent++}`;
      await fetch(`${options.gatewayUrl}/v1/forms/demo-contact`, {
        method: 'POST',
        headers: {
          origin: options.gatewayUrl,
          accept: 'application/json',
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: new URLSearchParams({
          first_name: 'Rehearsal',
          last_name: lastName,
          email: 'live@example.com',
        }),
      });
      const until = Date.now() + 1000;
      while (Date.now() < until) {
        const arrived = options.leads().find((lead) => lead.body.LastName === lastName);
        if (arrived?.body.FirstName === firstName) return Date.now() - started;
        if (arrived) break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
    return undefined;
  }

  try {
    options.log(await leadgate('sources', 'publish', '-m', 'rehearsal: the shipped sources'));
    const file = join(dir, 'demo-contact.yaml');
    const text = readFileSync(file, 'utf8');
    if (!text.includes(ORIGINAL_FIRST_NAME))
      return ['sources/demo-contact.yaml: FirstName is not the rehearsed one'];
    writeFileSync(file, text.replace(ORIGINAL_FIRST_NAME, `FirstName: { value: ${PUBLISHED_FIRST_NAME} }`));
    options.log(await leadgate('sources', 'publish', '-m', 'rehearsal: a changed mapping'));
    const published = await mappedWithin(PUBLISHED_FIRST_NAME);
    if (published === undefined)
      problems.push(`no lead was mapped by the published version within ${withinMs} ms`);
    else options.log(`published version in use after ${published} ms, no deployment`);
    options.log(await leadgate('sources', 'rollback'));
    const rolledBack = await mappedWithin('Rehearsal');
    if (rolledBack === undefined)
      problems.push(`no lead was mapped by the rolled-back version within ${withinMs} ms`);
    else options.log(`rolled-back version in use after ${rolledBack} ms`);
  } catch (error) {
    problems.push(`publishing: ${(error as Error).message.slice(0, 500)}`);
  }
  return problems;
}
