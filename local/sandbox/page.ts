import type { ReceivedLead } from '#local/sandbox/store.ts';

/** Escapes text for HTML element content and quoted attribute values. */
export function escapeHtml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

/** The Content-Security-Policy sent with the page: no scripts at all, only its own inline style. */
export const pageContentSecurityPolicy = "default-src 'none'; style-src 'unsafe-inline'";

const style = `
  body { font-family: system-ui, sans-serif; margin: 2rem; color: #1b1b1b; background: #fafafa; }
  article { background: #fff; border: 1px solid #ddd; border-radius: 6px; padding: 0 1rem; margin: 1rem 0; }
  pre { background: #f3f3f3; padding: 0.75rem; overflow-x: auto; }
  .meta { color: #666; font-size: 0.9rem; }
`;

function renderLead(lead: ReceivedLead): string {
  const name = `${lead.body.FirstName} ${lead.body.LastName}`;
  return [
    '<article>',
    `<h2>${escapeHtml(name)}</h2>`,
    `<p class="meta">LeadID ${escapeHtml(lead.leadId)} · received ${escapeHtml(lead.receivedAt)}</p>`,
    `<pre>${escapeHtml(JSON.stringify(lead.body, null, 2))}</pre>`,
    '</article>',
  ].join('\n');
}

/**
 * How to call the sandbox: its token (shown only when it is the well-known default, never a token
 * someone configured) and the two resources.
 */
function usage(token: string | undefined): string {
  const tokenText = token
    ? `Token: <code>${escapeHtml(token)}</code> (in <code>Authorization</code>, no scheme). leadgate's
<code>npm start</code> uses it by itself; for <code>leadgate fields pull</code> set
<code>ONPIPELINE_TOKEN=${escapeHtml(token)}</code> and pass <code>--url</code> with this page's address.`
    : 'Token: the one set in <code>SANDBOX_TOKEN</code> (in <code>Authorization</code>, no scheme).';
  return `<p class="meta">${tokenText} Resources: <code>POST /Leadsin</code>, <code>POST /ListCustomFields</code>.</p>`;
}

/**
 * A small HTML page listing the received leads, newest first, each with its JSON body, under a line
 * saying how to call the sandbox (`token`: the default token, to show; leave it out for another one).
 */
export function renderLeadsPage(
  leads: readonly ReceivedLead[],
  options: { token?: string | undefined } = {},
): string {
  const newestFirst = [...leads].reverse();
  const count = leads.length === 1 ? '1 lead' : `${leads.length} leads`;
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<title>Onpipeline sandbox</title>',
    `<style>${style}</style>`,
    '</head>',
    '<body>',
    '<h1>Onpipeline sandbox</h1>',
    `<p>${count} received, newest first. JSON: <a href="/_sandbox/leads">/_sandbox/leads</a></p>`,
    usage(options.token),
    ...newestFirst.map(renderLead),
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
