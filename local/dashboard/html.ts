import type { LocalPage } from '#local/gateway.ts';

/**
 * Safe HTML for the dashboard: `html` is a tagged template that escapes every interpolated value
 * unless it is itself `Html` (built by `html`), so lead data can never become markup.
 *
 * @example
 * html`<p>${lead.FirstName}</p>`.text; // '<p>&lt;script&gt;…</p>' for a hostile name
 */
export class Html {
  readonly text: string;
  constructor(text: string) {
    this.text = text;
  }
  toString(): string {
    return this.text;
  }
}

/** Escapes text for element content and double- or single-quoted attribute values. */
export function escapeHtml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

function fragment(value: unknown): string {
  if (value instanceof Html) return value.text;
  if (Array.isArray(value)) return value.map(fragment).join('');
  if (value === undefined || value === null || value === false) return '';
  return escapeHtml(String(value));
}

/** The escaping template tag (see `Html`). Arrays are joined; `undefined`, `null`, `false` render nothing. */
export function html(strings: TemplateStringsArray, ...values: unknown[]): Html {
  let text = strings[0] ?? '';
  values.forEach((value, index) => {
    text += fragment(value) + (strings[index + 1] ?? '');
  });
  return new Html(text);
}

/**
 * The dashboard's Content-Security-Policy: only its own script and stylesheet (`/_local/app.js`,
 * `/_local/app.css`), no inline code, no frames, forms post to the gateway only.
 */
export const contentSecurityPolicy = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "form-action 'self'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** Headers every dashboard answer carries. */
export function securityHeaders(contentType: string): Record<string, string> {
  return {
    'content-type': contentType,
    'content-security-policy': contentSecurityPolicy,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'same-origin',
    'cache-control': 'no-store',
  };
}

/** A full HTML page. */
export function page(title: string, body: Html, status = 200): LocalPage {
  return {
    status,
    headers: securityHeaders('text/html; charset=utf-8'),
    body: html`<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1"><title>${title}</title>
<link rel="icon" href="data:,"><link rel="stylesheet" href="/_local/app.css">
<script src="/_local/app.js" defer></script>
</head><body>${body}</body></html>
`.text,
  };
}

/** An HTML fragment (for the dashboard's live refresh). */
export function fragmentPage(body: Html): LocalPage {
  return { status: 200, headers: securityHeaders('text/html; charset=utf-8'), body: body.text };
}

/** A JSON answer. */
export function jsonPage(status: number, value: unknown): LocalPage {
  return { status, headers: securityHeaders('application/json; charset=utf-8'), body: JSON.stringify(value) };
}

/** An error answer in the gateway's shape: `{"error":{"code","message"}}`. */
export function errorPage(status: number, code: string, message: string): LocalPage {
  return jsonPage(status, { error: { code, message } });
}

/** The dashboard's stylesheet, served at `/_local/app.css`. */
export const stylesheet = `
:root { --ink: #1d2430; --muted: #55606e; --line: #d5dbe3; --bg: #f6f7f9; --ok: #17803d; --bad: #b42318;
  --warn: #a15c07; --accent: #2356d8; }
* { box-sizing: border-box }
body { font: 15px/1.5 system-ui, sans-serif; margin: 0; color: var(--ink); background: var(--bg) }
header.top { background: #fff; border-bottom: 1px solid var(--line); padding: .75rem 1.5rem; display: flex;
  gap: 1.5rem; align-items: baseline; flex-wrap: wrap }
header.top strong { font-size: 1.1rem } header.top nav { display: flex; gap: 1rem; flex-wrap: wrap }
a { color: var(--accent) }
main { max-width: 72rem; margin: 0 auto; padding: 1rem 1.5rem 3rem }
section.card { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 1rem 1.25rem;
  margin: 1rem 0 }
section.card > h2 { margin: 0 0 .5rem; font-size: 1.15rem }
p.lead, .muted { color: var(--muted) } p.lead { margin-top: 0 }
.counts { display: grid; grid-template-columns: repeat(auto-fit, minmax(11rem, 1fr)); gap: .75rem }
.count { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: .6rem .9rem }
.count .n { display: block; font-size: 1.6rem; font-weight: 700 }
.count.alert .n { color: var(--bad) }
form.demo { display: grid; gap: .75rem; margin-top: 1rem; max-width: 40rem }
form.playground { display: grid; gap: .35rem; margin-top: 1rem; max-width: 56rem }
form.playground button { margin-top: .5rem }
label { display: grid; gap: .25rem; font-weight: 600; font-size: .9rem }
input, textarea, select { font: inherit; padding: .45rem .6rem; border: 1px solid #c4cbd4; border-radius: 6px;
  background: #fff }
textarea.code, pre { font: 13px/1.45 ui-monospace, SFMono-Regular, Menlo, monospace }
fieldset { border: 1px solid #c4cbd4; border-radius: 6px }
fieldset label { display: inline; font-weight: 400 }
button { font: inherit; font-weight: 600; padding: .5rem .9rem; border: 0; border-radius: 6px;
  background: var(--accent); color: #fff; cursor: pointer }
button.secondary { background: #e8edf6; color: var(--accent) }
.row { display: grid; grid-template-columns: 1fr 1fr; gap: .75rem }
.hp { position: absolute; left: -10000px }
.error { background: #fde8e8; border: 1px solid #f5b5b5; padding: .5rem .75rem; border-radius: 6px }
code { background: #eef1f5; padding: 0 .25rem; border-radius: 4px }
pre { background: #f3f5f8; border: 1px solid var(--line); border-radius: 6px; padding: .6rem .8rem;
  overflow-x: auto; margin: .5rem 0 }
details.attempt, li.letter { border-top: 1px solid var(--line); padding: .5rem 0 }
details.attempt summary { cursor: pointer; display: flex; gap: .75rem; flex-wrap: wrap;
  align-items: baseline }
ul.letters { list-style: none; padding: 0; margin: 0 }
.badge { display: inline-block; font-size: .8rem; font-weight: 700; padding: 0 .45rem; border-radius: 999px;
  background: #eef1f5 }
.badge.delivered, .badge.duplicate { background: #e3f4e8; color: var(--ok) }
.badge.permanent { background: #fde8e8; color: var(--bad) }
.badge.transient, .badge.configuration { background: #fdf1e1; color: var(--warn) }
.preview.ok h3 { color: var(--ok) } .preview.bad h3 { color: var(--bad) }
.preview h3 { font-size: 1rem; margin: .5rem 0 0 }
.note { color: var(--warn) }
.grid2 { display: grid; grid-template-columns: 1fr 1fr; gap: 1rem } .grid2 > div { min-width: 0 }
@media (max-width: 48rem) { .grid2, .row { grid-template-columns: 1fr } }
`;
