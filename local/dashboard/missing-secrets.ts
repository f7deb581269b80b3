import { relative } from 'node:path';
import type { DashboardContext } from '#local/dashboard/context.ts';
import { type Html, html, jsonPage } from '#local/dashboard/html.ts';
import type { LocalPage } from '#local/gateway.ts';
import type { SecretSide } from '#shared/security/secrets.ts';
import type { MissingSecrets } from '#shared/sources/secret-names.ts';

/**
 * The dashboard's notice of sources whose secrets this machine does not have (a partner source
 * without its API key answers `503 auth_unavailable` until the key is set): one line per source,
 * `acme (partner): ACME_API_KEY → .leadgate/gateway-secrets.env`. Names only, never a value. The page
 * renders it at once; `/_local/missing-secrets.js` keeps it current from `GET /_local/missing-secrets`
 * (the local secret stores re-read their files about every second).
 */

/** What the dashboard reads to show the notice (built in `local/runtime.ts`). */
export interface SecretsView {
  /** The sources with secrets the stores do not hold (`missingSecrets` of `#shared/sources/secret-names.ts`). */
  missing: () => Promise<readonly MissingSecrets[]>;
  /** The file each side's secrets go into on this machine. */
  files: Readonly<Record<SecretSide, string>>;
}

interface NoticeLine {
  sourceId: string;
  channel: string;
  secrets: { name: string; side: SecretSide; setting?: string; file: string }[];
}

/** A path as the developer would type it: relative to the working directory when inside it. */
function shown(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel === '' || rel.startsWith('..') ? path : rel;
}

async function noticeLines(view: SecretsView | undefined): Promise<NoticeLine[]> {
  if (!view) return [];
  return (await view.missing()).map(({ sourceId, channel, missing }) => ({
    sourceId,
    channel,
    secrets: missing.map((secret) => ({ ...secret, file: shown(view.files[secret.side]) })),
  }));
}

/** `GET /_local/missing-secrets`: `{ sources: [{ sourceId, channel, secrets: [{ name, side, setting, file }] }], files }`. */
export async function missingSecretsEndpoint(context: DashboardContext): Promise<LocalPage> {
  const view = context.secrets;
  return jsonPage(200, {
    sources: await noticeLines(view),
    files: view ? { gateway: shown(view.files.gateway), api: shown(view.files.api) } : {},
  });
}

function lineText(line: NoticeLine): string {
  const secrets = line.secrets.map((secret) => `${secret.name} → ${secret.file}`).join(', ');
  return `${line.sourceId} (${line.channel}): ${secrets}`;
}

/** The notice as the page first shows it (hidden when no source misses a secret). */
export async function missingSecretsNotice(context: DashboardContext): Promise<Html> {
  const view = context.secrets;
  const lines = await noticeLines(view);
  const gateway = view ? shown(view.files.gateway) : 'gateway-secrets.env';
  const api = view ? shown(view.files.api) : 'api-tokens.env';
  return html`<section class="missing-secrets" id="missing-secrets" role="status"${lines.length === 0 ? html` hidden` : ''}>
<h2>Secrets missing on this machine</h2>
<p>These sources name secrets that are not set. Until they are, requests checked with a missing gateway
secret answer <code>503 auth_unavailable</code>, and leads needing a missing API token wait and are retried.
Add one <code>NAME=value</code> line per secret: verification secrets (partner keys, signing secrets,
Google Ads keys, app secrets) to <code>${gateway}</code>, API tokens (Meta page tokens,
<code>LINKEDIN_ACCESS_TOKEN</code>) to <code>${api}</code>, or set an environment variable of that name.
This notice updates within a second or two.</p>
<ul id="missing-secrets-list">${lines.map((line) => html`<li><code>${lineText(line)}</code></li>`)}</ul>
</section>`;
}

/** The notice's styles, appended to the dashboard's stylesheet. */
export const missingSecretsStyles = `
.missing-secrets { background: #fdf1e1; border: 2px solid var(--warn); border-radius: 8px; padding: .75rem 1.25rem;
  margin: 1rem 0 }
.missing-secrets h2 { margin: 0 0 .25rem; font-size: 1.1rem; color: var(--warn) }
.missing-secrets p { margin: 0 0 .5rem }
.missing-secrets ul { margin: 0; padding-left: 1.25rem }
.missing-secrets code { background: transparent; white-space: pre-wrap; overflow-wrap: anywhere }
`;

/**
 * The notice's browser script, served after the dashboard's at `/_local/app.js` (no inline script
 * under the Content-Security-Policy). Self-contained: it is served as its source text.
 */
function missingSecretsApp(): void {
  type Answer = {
    sources: { sourceId: string; channel: string; secrets: { name: string; file: string }[] }[];
  };
  const notice = document.getElementById('missing-secrets');
  const list = document.getElementById('missing-secrets-list');
  if (!notice || !list) return;
  let shownText = Array.from(list.querySelectorAll('li'), (item) => item.textContent ?? '').join('\n');

  async function poll(): Promise<void> {
    try {
      const response = await fetch('/_local/missing-secrets', { headers: { accept: 'application/json' } });
      if (response.ok && notice && list) {
        const { sources } = (await response.json()) as Answer;
        const lines = sources.map(
          (source) =>
            `${source.sourceId} (${source.channel}): ${source.secrets
              .map((secret) => `${secret.name} → ${secret.file}`)
              .join(', ')}`,
        );
        const text = lines.join('\n');
        if (text !== shownText) {
          shownText = text;
          list.replaceChildren(
            ...lines.map((line) => {
              const item = document.createElement('li');
              const code = document.createElement('code');
              code.textContent = line;
              item.append(code);
              return item;
            }),
          );
          notice.hidden = lines.length === 0;
        }
      }
    } catch {
      // leadgate stopped or restarting: try again on the next tick.
    }
    window.setTimeout(poll, 1000);
  }

  void poll();
}

/** The notice script's text (see `dashboardScript` in `client.ts` for how it is served). */
export const missingSecretsScript = `(${missingSecretsApp
  .toString()
  .replace(/[ \t]+$/gm, '')
  .replace(/\n{2,}/g, '\n')})();\n`;
