import { createHash } from 'node:crypto';
import type { HttpRequest } from '#shared/http/request.ts';
import type { HttpResult } from '#shared/http/response.ts';

/**
 * The attribution script served at `GET /leadgate.js` (issue #14; docs/sources.md, "Attribution on
 * every page"). Written here as a self-contained, type-checked function and served as its source
 * text, like the dashboard's script (local/dashboard/client.ts): it must not use anything from this
 * module's scope. No eval, no inline code, no cookies, no network calls of its own.
 *
 * On every page view it keeps a first touch and a last touch (UTM parameters, click ids, landing
 * page, external referrer) in the page's own `localStorage` for `data-days` days (default 90; 0 keeps
 * nothing beyond the current page), and adds them as `lg_first_*` / `lg_last_*` fields to every form
 * that posts to this gateway's `/v1/forms/` (the gateway is the script's own `src` origin).
 * `leadgate.fields()` returns the same fields for pages that post with `fetch`.
 * The field names are read back by shared/channels/form/attribution.ts.
 */
function leadgateAttribution(): void {
  type Touch = Record<string, string | number>;
  type State = { first?: Touch; last?: Touch };
  const KEYS = [
    'utm_source',
    'utm_medium',
    'utm_campaign',
    'utm_term',
    'utm_content',
    'gclid',
    'gbraid',
    'wbraid',
    'fbclid',
    'msclkid',
    'ttclid',
    'li_fat_id',
  ];
  const STORE = 'leadgate.attribution';
  const MAX_VALUE = 200;
  const MAX_URL = 500;
  const DAY_MS = 86_400_000;
  const win = window as unknown as { leadgate?: { fields(): Record<string, string> } };
  if (win.leadgate) return; // included twice: the first copy does the work

  /** A bounded, trimmed value without control characters; '' for anything but a string. */
  const clip = (value: unknown, max: number): string => {
    if (typeof value !== 'string') return '';
    let text = '';
    for (const char of value.slice(0, max * 2)) {
      const code = char.charCodeAt(0);
      if (code > 31 && code !== 127) text += char;
    }
    return text.trim().slice(0, max);
  };
  const script = document.currentScript as HTMLScriptElement | null;
  let gateway = '';
  let days = 90;
  try {
    if (script?.src) gateway = new URL(script.src).origin;
    const configured = script?.getAttribute('data-days');
    if (configured && /^\d{1,4}$/.test(configured)) days = Math.min(Number(configured), 730);
  } catch {
    // no gateway origin: forms are left alone, leadgate.fields() still works
  }

  /** A touch from the current page view, or undefined when it carries no attribution. */
  const currentTouch = (): Touch | undefined => {
    const touch: Touch = { at: Date.now(), landing: clip(location.origin + location.pathname, MAX_URL) };
    let found = false;
    const params = new URLSearchParams(location.search);
    for (const key of KEYS) {
      const value = clip(params.get(key), MAX_VALUE);
      if (value) {
        touch[key] = value;
        found = true;
      }
    }
    const referrer = clip(document.referrer, MAX_URL);
    if (referrer) {
      try {
        if (new URL(referrer).hostname !== location.hostname) {
          touch.referrer = referrer;
          found = true;
        }
      } catch {
        // an unreadable referrer is no touch
      }
    }
    return found ? touch : undefined;
  };

  /** A stored touch, if it is well-formed and younger than `days`; only known keys are kept. */
  const valid = (touch: unknown, now: number): Touch | undefined => {
    if (!touch || typeof touch !== 'object') return undefined;
    const record = touch as Record<string, unknown>;
    const at = record.at;
    if (typeof at !== 'number' || !(now - at < days * DAY_MS) || at > now + DAY_MS) return undefined;
    const kept: Touch = { at };
    for (const key of [...KEYS, 'landing', 'referrer']) {
      const value = clip(record[key], key === 'landing' || key === 'referrer' ? MAX_URL : MAX_VALUE);
      if (value) kept[key] = value;
    }
    return kept;
  };

  const storage = (): Storage | undefined => {
    try {
      return days > 0 ? window.localStorage : undefined;
    } catch {
      return undefined; // storage blocked (privacy settings, sandboxed frame)
    }
  };

  const load = (): State => {
    const now = Date.now();
    try {
      const parsed = JSON.parse(storage()?.getItem(STORE) ?? '{}') as State;
      const state: State = {};
      const first = valid(parsed.first, now);
      const last = valid(parsed.last, now);
      if (first) state.first = first;
      if (last) state.last = last;
      return state;
    } catch {
      return {};
    }
  };

  let state: State = {};
  try {
    state = load();
    const touch = currentTouch();
    const direct: Touch = { at: Date.now(), landing: clip(location.origin + location.pathname, MAX_URL) };
    if (touch) state.last = touch;
    state.last ??= direct;
    state.first ??= state.last;
    storage()?.setItem(STORE, JSON.stringify(state));
  } catch {
    // storage full or blocked: this page view's attribution is still sent
  }

  const fields = (): Record<string, string> => {
    const out: Record<string, string> = {};
    try {
      for (const which of ['first', 'last'] as const) {
        const touch = state[which];
        if (!touch) continue;
        for (const key of [...KEYS, 'landing', 'referrer']) {
          const value = touch[key];
          if (typeof value === 'string' && value) out[`lg_${which}_${key}`] = value;
        }
      }
    } catch {
      // never throw into the host page
    }
    return out;
  };

  const postsHere = (form: unknown): form is HTMLFormElement => {
    try {
      if (!gateway || !(form instanceof HTMLFormElement)) return false;
      const action = new URL(form.getAttribute('action') ?? '', location.href);
      return action.origin === gateway && action.pathname.startsWith('/v1/forms/');
    } catch {
      return false;
    }
  };

  document.addEventListener(
    'submit',
    (event) => {
      try {
        const form = event.target;
        if (!postsHere(form)) return;
        for (const [name, value] of Object.entries(fields())) {
          let input = form.querySelector<HTMLInputElement>(`input[type="hidden"][name="${name}"]`);
          if (!input) {
            input = document.createElement('input');
            input.type = 'hidden';
            input.name = name;
            form.appendChild(input);
          }
          input.value = value;
        }
      } catch {
        // never throw into the host page
      }
    },
    true,
  );
  // `form.submit()` and `new FormData(form)` fire no submit event, but a formdata event.
  document.addEventListener('formdata', (event) => {
    try {
      const { target, formData } = event as FormDataEvent;
      if (!postsHere(target)) return;
      for (const [name, value] of Object.entries(fields())) {
        if (!formData.has(name)) formData.set(name, value);
      }
    } catch {
      // never throw into the host page
    }
  });
  win.leadgate = { fields };
}

/**
 * The script's text. Node strips the types to spaces and esbuild minifies the Lambda bundle; the
 * blank runs are squeezed (the script has no multi-line strings and no string with two spaces in a
 * row, so no text changes; test/unit/attribution-script.test.ts runs it).
 */
export const attributionScript = `(${leadgateAttribution
  .toString()
  .replace(/^[ \t]+|[ \t]+$/gm, '')
  .replace(/ {2,}/g, ' ')
  .replace(/\n{2,}/g, '\n')})();\n`;

/** Browsers and CDNs keep the script this long, then revalidate with its `ETag`. */
export const SCRIPT_MAX_AGE_SECONDS = 3600;

const etag = `"${createHash('sha256').update(attributionScript).digest('base64url').slice(0, 22)}"`;

/**
 * The answer to `GET /leadgate.js`: the script, cacheable by anyone, loadable from any site (the
 * script holds nothing secret), or `304` when the browser's copy is current.
 *
 * @example
 * case 'GET /leadgate.js': return attributionScriptResult(request);
 */
export function attributionScriptResult(request: HttpRequest): HttpResult {
  const headers = {
    'content-type': 'text/javascript; charset=utf-8',
    'cache-control': `public, max-age=${SCRIPT_MAX_AGE_SECONDS}`,
    etag,
    'x-content-type-options': 'nosniff',
    'access-control-allow-origin': '*',
    'cross-origin-resource-policy': 'cross-origin',
  };
  const known = (request.headers['if-none-match'] ?? '').split(',').map((tag) => tag.trim());
  if (known.includes(etag) || known.includes(`W/${etag}`)) {
    return { statusCode: 304, headers, body: '' };
  }
  return { statusCode: 200, headers, body: attributionScript };
}
