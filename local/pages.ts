import type { LocalPage, LocalPages } from '#local/gateway.ts';

/** The demo source the page posts to (shipped as `sources/demo-contact.yaml`). */
export const DEMO_SOURCE = 'demo-contact';

const errorText: Record<string, string> = {
  validation_failed: 'Please fill in your first name and last name.',
  origin_not_allowed: 'This form may only be posted from its own page.',
  origin_missing: 'This form may only be posted from its own page.',
  payload_too_large: 'That was too much text.',
};

const style = `
  body { font: 16px/1.5 system-ui, sans-serif; max-width: 40rem; margin: 2rem auto; padding: 0 1rem; color: #1d2430; }
  h1 { font-size: 1.6rem; margin-bottom: .25rem } p.lead { color: #55606e; margin-top: 0 }
  form { display: grid; gap: .75rem; margin-top: 1.5rem }
  label { display: grid; gap: .25rem; font-weight: 600; font-size: .9rem }
  input, textarea { font: inherit; padding: .5rem .6rem; border: 1px solid #c4cbd4; border-radius: 6px }
  fieldset { border: 1px solid #c4cbd4; border-radius: 6px } fieldset label { display: inline; font-weight: 400 }
  button { font: inherit; font-weight: 600; padding: .6rem 1rem; border: 0; border-radius: 6px; background: #2356d8; color: #fff; cursor: pointer }
  .error { background: #fde8e8; border: 1px solid #f5b5b5; padding: .5rem .75rem; border-radius: 6px }
  .hp { position: absolute; left: -10000px } code { background: #eef1f5; padding: 0 .25rem; border-radius: 4px }
  .row { display: grid; grid-template-columns: 1fr 1fr; gap: .75rem }`;

const layout = (title: string, body: string): LocalPage => ({
  status: 200,
  headers: {
    'content-type': 'text/html; charset=utf-8',
    'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'",
    'cache-control': 'no-store',
  },
  body: `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${title}</title><style>${style}</style></head><body>${body}</body></html>`,
});

/** The demo contact form: a real HTML form, posted the classic way (no JavaScript). */
function demoForm(error: string | null): LocalPage {
  const message = error
    ? `<p class="error" role="alert">${errorText[error] ?? 'Your message could not be sent.'}</p>`
    : '';
  return layout(
    'leadgate demo: contact us',
    `<h1>Contact us</h1>
<p class="lead">A demo landing-page form. It posts to <code>/v1/forms/${DEMO_SOURCE}</code>; the lead is queued, mapped by
<code>sources/${DEMO_SOURCE}.yaml</code> and delivered to the Onpipeline sandbox.</p>${message}
<form method="post" action="/v1/forms/${DEMO_SOURCE}" accept-charset="utf-8">
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
  <label class="hp" aria-hidden="true">Leave this empty <input name="_gotcha" tabindex="-1" autocomplete="off"></label>
  <button type="submit">Send</button>
</form>`,
  );
}

function thanks(sandboxUrl: string | undefined): LocalPage {
  const where = sandboxUrl
    ? `<p>Within a second or two it shows up in the <a href="${sandboxUrl}/">Onpipeline sandbox</a>, mapped to a Leadsin body.</p>`
    : '<p>It is on its way to Onpipeline.</p>';
  return layout(
    'Thank you',
    `<h1>Thank you!</h1><p class="lead">Your message was received and queued.</p>${where}
<p><a href="/">Send another</a></p>`,
  );
}

/**
 * The pages the one-machine runtime serves besides the API: the demo form at `/` and its thank-you
 * page at `/thanks`. Never deployed to AWS.
 *
 * @example
 * startGateway({ port, handler, pages: localPages({ sandboxUrl }) });
 */
export function localPages(options: { sandboxUrl?: string | undefined }): LocalPages {
  return async (request, url) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return undefined;
    if (url.pathname === '/') return demoForm(url.searchParams.get('error'));
    if (url.pathname === '/thanks') return thanks(options.sandboxUrl);
    return undefined;
  };
}
