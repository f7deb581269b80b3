import type { ActivitySnapshot } from '#local/dashboard/activity.ts';
import { activitySection } from '#local/dashboard/charts.ts';
import type { ObservedAttempt } from '#local/dashboard/deliveries.ts';
import { duplicateNote, isSending, sentAnchor, sentBody, shownOutcome } from '#local/dashboard/duplicates.ts';
import { type Html, html, page } from '#local/dashboard/html.ts';
import type { LocalStatus } from '#local/dashboard/status.ts';
import type { LocalPage } from '#local/gateway.ts';
import type { DeliveryAttempt } from '#shared/delivery/deliver.ts';
import type { DeadLetter } from '#shared/queue/dlq.ts';
import type { Source } from '#shared/sources/schema.ts';

/** The demo source the demo form posts to (shipped as `sources/demo-contact.yaml`). */
export const DEMO_SOURCE = 'demo-contact';

const errorText: Record<string, string> = {
  validation_failed: 'Please fill in your first name and last name.',
  origin_not_allowed: 'This form may only be posted from its own page.',
  origin_missing: 'This form may only be posted from its own page.',
  payload_too_large: 'That was too much text.',
};

function header(sandboxUrl: string | undefined): Html {
  const sandbox = sandboxUrl ? html`<a href="${sandboxUrl}/">Onpipeline sandbox ↗</a>` : '';
  return html`<header class="top"><strong>leadgate</strong><span class="muted">on this machine</span>
<nav aria-label="Sections"><a href="/#form">Demo form</a><a href="/#leads">Leads</a>
<a href="/#activity">Activity</a><a href="/#dlq">Dead letters</a><a href="/#playground">Mapping playground</a>${sandbox}</nav>
</header>`;
}

/** The demo contact form: a real HTML form, posted the classic way (no JavaScript needed). */
export function demoForm(error: string | null): Html {
  const message = error
    ? html`<p class="error" role="alert">${errorText[error] ?? 'Your message could not be sent.'}</p>`
    : '';
  return html`<section class="card" id="form" aria-labelledby="form-title">
<h2 id="form-title">Contact us</h2>
<p class="lead">A demo landing-page form. It posts to <code>/v1/forms/${DEMO_SOURCE}</code>; the lead is
queued, mapped by <code>sources/${DEMO_SOURCE}.yaml</code> and delivered to Onpipeline.</p>${message}
<form class="demo" method="post" action="/v1/forms/${DEMO_SOURCE}" accept-charset="utf-8">
  <div class="row"><label>First name <input name="first_name" autocomplete="given-name" required></label>
  <label>Last name <input name="last_name" autocomplete="family-name" required></label></div>
  <label>Work e-mail <input name="email" type="email" autocomplete="email"></label>
  <div class="row"><label>Phone <input name="phone" type="tel" autocomplete="tel"></label>
  <label>Company <input name="company" autocomplete="organization"></label></div>
  <div class="row"><label>City <input name="city" autocomplete="address-level2"></label>
  <label>Country (2 letters) <input name="country" maxlength="2" autocomplete="country"></label></div>
  <fieldset><legend>Interested in</legend>
    <label><input type="checkbox" name="interests" value="Pricing"> Pricing</label>
    <label><input type="checkbox" name="interests" value="Demo"> A demo</label>
    <label><input type="checkbox" name="interests" value="Partnership"> Partnership</label></fieldset>
  <label>Message <textarea name="message" rows="4"></textarea></label>
  <label class="hp" aria-hidden="true">Leave this empty
    <input name="_gotcha" tabindex="-1" autocomplete="off"></label>
  <div><button type="submit">Send</button></div>
</form></section>`;
}

/** The thank-you page a classic post of the demo form lands on. */
export function thanksPage(sandboxUrl: string | undefined, dashboard: boolean): LocalPage {
  const onDashboard = dashboard
    ? html`, and on the <a href="/#leads">dashboard</a> with its delivery outcome`
    : '';
  const where = sandboxUrl
    ? html`<p>Within a second or two it shows up in the <a href="${sandboxUrl}/">Onpipeline sandbox</a>,
mapped to a Leadsin body${onDashboard}.</p>`
    : html`<p>It is on its way to Onpipeline${onDashboard}.</p>`;
  return page(
    'Thank you',
    html`${header(sandboxUrl)}<main><section class="card"><h1>Thank you!</h1>
<p class="lead">Your message was received and queued.</p>${where}
<p><a href="/">Send another</a></p></section></main>`,
  );
}

/** The demo form alone (the runtime has not given the dashboard its context). */
export function demoOnlyPage(sandboxUrl: string | undefined, error: string | null): LocalPage {
  return page('leadgate demo: contact us', html`${header(sandboxUrl)}<main>${demoForm(error)}</main>`);
}

function counts(status: LocalStatus): Html {
  if ('error' in status.queues) {
    return html`<div class="counts" id="counts"><div class="count alert"><span class="n">!</span>
<span id="queue-state">${status.queues.error}</span></div></div>`;
  }
  const { leads, deadLetter } = status.queues;
  const parked = deadLetter.visible + deadLetter.inFlight;
  const delivered =
    (status.recent.byOutcome.delivered ?? 0) +
    (status.recent.byOutcome.duplicate ?? 0) -
    (status.recent.deduplicated ?? 0);
  return html`<div class="counts" id="counts" aria-live="polite">
<div class="count"><span class="n" id="count-waiting">${leads.visible}</span>
waiting in <code>leads</code></div>
<div class="count"><span class="n" id="count-inflight">${leads.inFlight}</span>
in flight or waiting to retry</div>
<div class="count${parked > 0 ? ' alert' : ''}" id="count-dlq-box">
<span class="n" id="count-dlq">${parked}</span>parked in <code>leads-dlq</code></div>
<div class="count"><span class="n" id="count-delivered">${delivered}</span>delivered since start</div>
<p class="muted" id="queue-state" hidden></p></div>`;
}

function outcomeDetail(attempt: DeliveryAttempt): string {
  const outcome = attempt.outcome;
  switch (outcome.kind) {
    case 'delivered':
      return `Onpipeline LeadID ${outcome.leadId}${outcome.replayed ? ' (sent before: not sent again)' : ''}`;
    case 'duplicate':
      return 'Onpipeline already has it (409): treated as delivered';
    case 'permanent':
      return `parked in the DLQ: ${outcome.reason}: ${outcome.message}`;
    case 'configuration':
      return `check the token, IP whitelist and URL; retrying: ${outcome.message}`;
    case 'transient':
      return `retrying: ${outcome.message}`;
  }
}

/** The recent delivery attempts, newest first, each with the exact Leadsin body sent. */
export function leadsList(attempts: readonly ObservedAttempt[]): Html {
  if (attempts.length === 0) {
    return html`<p class="muted" id="leads-empty">No leads yet. Send the demo form above, or run
<code>npx leadgate send-test ${DEMO_SOURCE}</code>.</p>`;
  }
  const shown = attempts.slice(0, 50);
  const sending = new Set(shown.filter(isSending).map((attempt) => attempt.envelope?.id ?? ''));
  return html`${shown.map((attempt, index) => {
    const envelope = attempt.envelope;
    const name = attempt.body ? `${attempt.body.FirstName} ${attempt.body.LastName}` : '';
    const kind = shownOutcome(attempt);
    const input = envelope ? { fields: envelope.fields, context: envelope.context } : null;
    const where = `${envelope?.sourceId ?? '?'} · lead ${envelope?.id ?? '?'} · attempt ${attempt.attempt}`;
    const anchor = envelope && isSending(attempt) ? html` id="${sentAnchor(envelope.id)}"` : '';
    const sent = sentBody(attempt);
    return html`<details class="attempt"${anchor} data-lead-id="${envelope?.id ?? ''}" data-outcome="${kind}"${
      index === 0 ? html` open` : ''
    }>
<summary><time datetime="${attempt.at}">${attempt.at.slice(11, 19)}</time>
<span class="badge ${kind === 'deduplicated' ? 'duplicate' : kind}">${kind === 'deduplicated' ? 'duplicate' : kind}</span>
<strong>${name}</strong> <span class="muted">${where}</span></summary>
${duplicateNote(attempt, sending) ?? html`<p>${outcomeDetail(attempt)}</p>`}
<div class="grid2"><div><h3>${sent.title}</h3>${
      sent.body
        ? html`<pre class="body">${JSON.stringify(sent.body, null, 2)}</pre>`
        : html`<p class="muted">${sent.empty}</p>`
    }</div>
<div><h3>Input</h3><pre class="input">${JSON.stringify(input, null, 2)}</pre></div></div>
</details>`;
  })}`;
}

function attemptsText(attempts: string | undefined): string {
  return attempts === undefined ? 'attempts unknown' : `${attempts} attempt${attempts === '1' ? '' : 's'}`;
}

/** The parked leads with their reasons and redrive buttons. */
export function deadLetterList(letters: readonly DeadLetter[] | { error: string }): Html {
  if ('error' in letters) return html`<p class="error">${letters.error}</p>`;
  if (letters.length === 0) return html`<p class="muted" id="dlq-empty">The dead-letter queue is empty.</p>`;
  const all = html`<button type="button" class="secondary" data-redrive-all>
Redrive all ${letters.length}</button>`;
  return html`<p>${all}</p>
<ul class="letters">${letters.map(
    (letter) => html`<li class="letter" data-message-id="${letter.messageId}">
<span class="badge permanent">${letter.reason}</span> <strong>${letter.sourceId ?? '?'}</strong>
<span class="muted">lead ${letter.leadId ?? '?'} · ${attemptsText(letter.attempts)}
· last ${letter.lastAttemptAt ?? '?'}</span>
<p>${letter.status ? `HTTP ${letter.status}: ` : ''}${letter.message ?? ''}</p>
<button type="button" data-redrive="${letter.messageId}">Redrive</button></li>`,
  )}</ul>`;
}

/** The mapping playground: pick a source, paste a payload, see the body or the errors. */
export function playground(sources: readonly Source[], sample: string): Html {
  return html`<section class="card" id="playground" aria-labelledby="playground-title">
<h2 id="playground-title">Mapping playground</h2>
<p class="lead">Pick a source, paste a sample payload of its channel and see the exact Leadsin body its
mapping makes of it, or the field errors. Nothing is sent. The same as
<code>npx leadgate sources preview</code>.</p>
<form class="playground" id="playground-form">
<label for="playground-source">Source</label><select name="sourceId" id="playground-source">${sources.map(
    (source) => html`<option value="${source.id}">${source.id} (${source.channel})</option>`,
  )}</select>
<label for="playground-payload">Sample payload</label>
<textarea class="code" name="payload" id="playground-payload" rows="14"
  spellcheck="false">${sample}</textarea>
<div><button type="submit">Preview</button></div>
</form>
<div id="playground-result" aria-live="polite"></div>
</section>`;
}

/** The dashboard at `/`: the demo form, live counts, recent leads, dead letters and the playground. */
export function dashboardPage(view: {
  sandboxUrl: string | undefined;
  error: string | null;
  status: LocalStatus;
  attempts: readonly ObservedAttempt[];
  letters: readonly DeadLetter[] | { error: string };
  sources: readonly Source[];
  sample: string;
  activity?: ActivitySnapshot | undefined;
  /** The banner of invalid source files (`banner.ts`). */
  banner?: Html;
}): LocalPage {
  return page(
    'leadgate dashboard',
    html`${header(view.sandboxUrl)}<main>
${view.banner}
${counts(view.status)}
${view.activity ? activitySection(view.activity) : ''}
${demoForm(view.error)}
<section class="card" id="leads" aria-labelledby="leads-title"><h2 id="leads-title">Recent leads</h2>
<p class="lead">Every delivery attempt since leadgate started, newest first, with the exact Leadsin body
sent.</p>
<div id="leads-list">${leadsList(view.attempts)}</div></section>
<section class="card" id="dlq" aria-labelledby="dlq-title"><h2 id="dlq-title">Dead letters</h2>
<p class="lead">Leads that could not be delivered wait here with their reason. Fix the cause (often the
source's mapping), then redrive them: they are mapped again with the current config.</p>
<p id="dlq-result" class="muted" aria-live="polite"></p>
<div id="dlq-list">${deadLetterList(view.letters)}</div></section>
${playground(view.sources, view.sample)}
</main>`,
  );
}
