import { type CommandContext, stringOption } from '#cli/command.ts';
import { CliError, type Io, printJson, styles } from '#cli/io.ts';
import { cliSecrets } from '#cli/secrets.ts';
import { loadSource } from '#cli/sources.ts';
import { notRunning, readRuntimeState, type Workspace } from '#cli/workspace.ts';
import type { LocalStatus } from '#local/dashboard/status.ts';
import { originMatcher } from '#shared/channels/form/origins.ts';
import { withGoogleKey } from '#shared/channels/google-ads/key.ts';
import { partner, signedHeaders, tiktok } from '#shared/channels/index.ts';
import { samplePayload } from '#shared/preview/payloads.ts';
import type { Source } from '#shared/sources/schema.ts';

interface TestRequest {
  path: string;
  headers: Record<string, string>;
  body: string;
}

/** How long `--wait` waits for the delivery outcome. */
const WAIT_MS = 30_000;

/**
 * `leadgate send-test <sourceId>`: posts a realistic sample lead of the source's channel to a running
 * gateway, authenticated as the real sender would be, and reports the gateway's answer (and, with
 * `--wait`, the delivery outcome). The sample values are made up; no secret is ever printed.
 */
export async function sendTest({ io, json, space, args, values }: CommandContext): Promise<number> {
  const [sourceId, extra] = args;
  if (!sourceId) throw new CliError('say which source: leadgate send-test <sourceId>', { exitCode: 2 });
  if (extra) throw new CliError(`unexpected argument: ${extra}`, { exitCode: 2 });
  const source = loadSource(io, space, sourceId);
  const gateway = (
    stringOption(values, 'gateway') ??
    readRuntimeState(space, 'Or pass --gateway URL to send to another gateway.').gatewayUrl
  ).replace(/\/+$/, '');
  const payload = samplePayload(source);
  const request = await buildRequest(io, space, source, gateway, payload);
  const url = `${gateway}${request.path}`;
  const sentAt = new Date().toISOString();
  if (!json) io.err(`posting a sample ${source.channel} lead for ${source.id} to ${url}...`);
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { 'user-agent': 'leadgate send-test', ...request.headers },
      body: request.body,
      redirect: 'manual',
      signal: AbortSignal.timeout(15_000),
    });
  } catch (error) {
    throw notRunning(gateway, error);
  }
  const text = await response.text();
  const answer = parseJson(text);
  const accepted = response.status >= 200 && response.status < 300;
  const leadId = accepted ? leadIdOf(answer) : undefined;

  let outcome: LocalStatus['recent']['attempts'][number] | undefined;
  if (accepted && values.wait === true) {
    if (!json) io.err('waiting for the delivery outcome...');
    outcome = await waitForOutcome(gateway, source.id, leadId, sentAt);
  }
  const delivered =
    outcome === undefined || outcome.outcome === 'delivered' || outcome.outcome === 'duplicate';
  const ok = accepted && (values.wait !== true || (outcome !== undefined && delivered));

  if (json) {
    printJson(io, {
      ok,
      sourceId: source.id,
      channel: source.channel,
      url,
      status: response.status,
      answer: answer ?? text.slice(0, 2000),
      ...(leadId ? { leadId } : {}),
      ...(values.wait === true ? { outcome: outcome ?? null } : {}),
      sent: payload,
    });
    return ok ? 0 : 1;
  }
  const style = styles(io);
  if (!accepted) {
    io.out(style.bad(`✘ the gateway refused the test lead: ${response.status}`));
    printRefusal(io, answer, text);
    return 1;
  }
  io.out(
    style.ok(`✔ ${response.status} accepted`) +
      `: ${leadId ? `lead ${leadId}` : 'the test lead'} for ${source.id} (${source.channel}) is queued`,
  );
  if (values.wait === true) {
    if (!outcome) io.out(style.warn(`no delivery attempt seen within ${WAIT_MS / 1000} s`));
    else if (delivered) {
      io.out(
        style.ok(`✔ ${outcome.outcome}`) +
          (outcome.onpipelineLeadId ? `: Onpipeline LeadID ${outcome.onpipelineLeadId}` : ''),
      );
    } else {
      io.out(
        style.bad(`✘ ${outcome.outcome}${outcome.reason ? ` (${outcome.reason})` : ''}`) +
          (outcome.message ? `: ${outcome.message}` : ''),
      );
    }
  } else io.out(style.dim(`see it on the dashboard: ${gateway}/#leads`));
  return ok ? 0 : 1;
}

async function buildRequest(
  io: Io,
  space: Workspace,
  source: Source,
  gateway: string,
  payload: unknown,
): Promise<TestRequest> {
  const secrets = cliSecrets(io, space, 'gateway');
  const secret = async (name: string, why: string) => {
    const value = await secrets.get(name);
    if (value === undefined) {
      throw new CliError(`the secret ${name} is not set: it is needed to ${why}.`, {
        details: [
          `Set ${name} in the environment or in ${space.gatewaySecretsFile}, with the value the gateway has.`,
        ],
      });
    }
    return value;
  };
  const json = { 'content-type': 'application/json', accept: 'application/json' };
  const id = encodeURIComponent(source.id);
  switch (source.channel) {
    case 'form': {
      const origin = originFor(source.form?.allowedOrigins ?? ['*'], gateway);
      return {
        path: `/v1/forms/${id}`,
        headers: { ...json, origin, referer: `${origin}/?utm_source=leadgate&utm_campaign=send-test` },
        body: JSON.stringify(payload),
      };
    }
    case 'google-ads': {
      const keyName = source.googleAds?.key;
      if (!keyName) throw new CliError(`${source.id} has no googleAds.key`);
      const key = await secret(keyName, 'sign Google Ads leads (google_key)');
      return {
        path: `/v1/webhooks/google-ads/${id}`,
        headers: json,
        body: JSON.stringify(withGoogleKey(payload as object, key)),
      };
    }
    case 'partner': {
      const body = JSON.stringify(payload);
      const signing = source.partner?.signingSecrets?.[0];
      if (signing) {
        const value = await secret(signing, 'sign partner requests (Standard Webhooks)');
        return {
          path: `/v1/partners/${id}/leads`,
          headers: { ...json, ...signedHeaders(partner, value, body) },
          body,
        };
      }
      const keyName = source.partner?.apiKeys?.[0];
      const headers: Record<string, string> = { ...json };
      if (keyName) headers['x-api-key'] = await secret(keyName, 'authenticate partner requests (API key)');
      return { path: `/v1/partners/${id}/leads`, headers, body };
    }
    case 'tiktok': {
      const appSecret = await secret('TIKTOK_APP_SECRET', 'sign TikTok notifications (TikTok-Signature)');
      const body = JSON.stringify(payload);
      return {
        path: '/v1/webhooks/tiktok',
        headers: { ...json, ...signedHeaders(tiktok, appSecret, body) },
        body,
      };
    }
    case 'meta':
    case 'linkedin':
      throw new CliError(`send-test cannot send ${source.channel} leads.`, {
        details: [
          `${source.channel === 'meta' ? 'Meta' : 'LinkedIn'} notifications carry only a lead id; ` +
            'leadgate then ' +
            'fetches the lead from the network, which a test lead does not exist in.',
          `Check the mapping with: leadgate sources preview ${source.id} <sample lead file>`,
        ],
      });
  }
}

/** An Origin the source allows: the gateway's own when allowed, else a concrete form of the first pattern. */
export function originFor(allowedOrigins: readonly string[], gateway: string): string {
  const own = new URL(gateway).origin;
  const allowed = originMatcher(allowedOrigins);
  if (allowed(own)) return own;
  const pattern = allowedOrigins.find((origin) => origin !== '*') ?? own;
  return pattern.replace(/:\*$/, ':8080').replaceAll('*', 'www');
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function leadIdOf(answer: unknown): string | undefined {
  if (answer && typeof answer === 'object' && 'id' in answer && typeof answer.id === 'string')
    return answer.id;
  if (answer && typeof answer === 'object' && 'ids' in answer && Array.isArray(answer.ids)) {
    return typeof answer.ids[0] === 'string' ? answer.ids[0] : undefined;
  }
  if (Array.isArray(answer) && answer[0] && typeof answer[0] === 'object' && 'id' in answer[0]) {
    return String(answer[0].id);
  }
  return undefined;
}

function printRefusal(io: Io, answer: unknown, text: string): void {
  const error = (answer as { error?: { code?: string; message?: string; fields?: Record<string, string> } })
    ?.error;
  if (error) {
    io.out(`  ${error.code ?? 'error'}: ${error.message ?? ''}`);
    for (const [field, problem] of Object.entries(error.fields ?? {})) io.out(`    ${field}: ${problem}`);
    return;
  }
  const message = (answer as { message?: string })?.message;
  io.out(`  ${message ?? text.slice(0, 500)}`);
}

/** Polls the local dashboard's status until an attempt of this lead (or source, after `since`) shows up. */
async function waitForOutcome(
  gateway: string,
  sourceId: string,
  leadId: string | undefined,
  since: string,
): Promise<LocalStatus['recent']['attempts'][number] | undefined> {
  const deadline = Date.now() + WAIT_MS;
  let latest: LocalStatus['recent']['attempts'][number] | undefined;
  while (Date.now() < deadline) {
    try {
      const response = await fetch(`${gateway}/_local/status`, { signal: AbortSignal.timeout(5000) });
      if (response.ok) {
        const status = (await response.json()) as LocalStatus;
        const mine = status.recent.attempts.find((attempt) =>
          leadId ? attempt.leadId === leadId : attempt.sourceId === sourceId && attempt.at >= since,
        );
        if (mine) {
          latest = mine;
          if (mine.outcome !== 'transient' && mine.outcome !== 'configuration') return mine;
        }
      } else if (response.status === 404) {
        throw new CliError('--wait needs the local runtime (its dashboard status endpoint was not found)');
      }
    } catch (error) {
      if (error instanceof CliError) throw error;
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return latest;
}
