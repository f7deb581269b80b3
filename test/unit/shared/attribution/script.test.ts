import vm from 'node:vm';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { afterAll, describe, expect, it } from 'vitest';
import { createCaptureHandler } from '#functions/capture.ts';
import { lambdaContext } from '#local/poller.ts';
import { attributionScript, SCRIPT_MAX_AGE_SECONDS } from '#shared/attribution/script.ts';
import type { HttpResult } from '#shared/http/response.ts';
import { matchRoute } from '#shared/http/routes.ts';
import { secretStore } from '#shared/security/secrets.ts';
import { httpApiEvent } from '#test/support/api-event.ts';
import { recordingQueue, sourcesFrom } from '#test/support/channels.ts';

/** `GET /leadgate.js` through the real capture handler (middy chain included). */
function scriptRequest(headers: Record<string, string> = {}): APIGatewayProxyEventV2 {
  return httpApiEvent('GET /leadgate.js', '/leadgate.js', { headers });
}

describe('GET /leadgate.js', () => {
  const { sources, cleanup } = sourcesFrom({});
  const handler = createCaptureHandler(() => ({
    sources,
    queue: recordingQueue().queue,
    secrets: secretStore(async () => ({})),
  }));
  const invoke = (event: APIGatewayProxyEventV2) =>
    handler(event, lambdaContext('leadgate-capture', 10)) as Promise<HttpResult>;
  afterAll(cleanup);

  it('is a route of the HTTP contract (so the stack creates it and the local gateway serves it)', () => {
    expect(matchRoute('GET', '/leadgate.js')).toEqual({ routeKey: 'GET /leadgate.js', pathParameters: {} });
  });

  it('answers the script, cacheable, with an ETag, no cookie, a few KB', async () => {
    // Act
    const result = await invoke(scriptRequest());

    // Assess
    expect(result.statusCode).toBe(200);
    expect(result.headers).toMatchObject({
      'content-type': 'text/javascript; charset=utf-8',
      'cache-control': `public, max-age=${SCRIPT_MAX_AGE_SECONDS}`,
      etag: expect.stringMatching(/^"[A-Za-z0-9_-]{22}"$/),
      'x-content-type-options': 'nosniff',
    });
    expect(Object.keys(result.headers)).not.toContain('set-cookie');
    expect(result.cookies).toBeUndefined();
    expect(result.body).toBe(attributionScript);
    expect(Buffer.byteLength(String(result.body))).toBeLessThan(6 * 1024);
  });

  it('answers 304 with no body when the browser has the current version', async () => {
    // Prepare
    const first = await invoke(scriptRequest());
    const etag = first.headers.etag ?? '';

    // Act
    const again = await invoke(scriptRequest({ 'if-none-match': `"other", W/${etag}` }));
    const stale = await invoke(scriptRequest({ 'if-none-match': '"other"' }));

    // Assess
    expect(again.statusCode).toBe(304);
    expect(again.body).toBe('');
    expect(again.headers.etag).toBe(etag);
    expect(stale.statusCode).toBe(200);
  });

  it('is CSP-friendly: no eval, no Function constructor, no inline markup, no cookies', () => {
    // Assess
    expect(() => new vm.Script(attributionScript)).not.toThrow();
    expect(attributionScript).not.toMatch(/\beval\(|new Function|innerHTML|document\.write|document\.cookie/);
  });
});

// ---------------------------------------------------------------------------------------------------
// The script itself, run in a small stand-in of a browser page (the e2e test runs it in Chromium)

interface PageView {
  url: string;
  referrer?: string;
  days?: string;
  storage?: Map<string, string> | 'blocked';
  now?: number;
}

/** A form element as far as the script looks at it: its `action` and its hidden inputs. */
class StandInForm {
  readonly inputs: { type: string; name: string; value: string }[] = [];
  readonly action: string | null;
  constructor(action: string | null) {
    this.action = action;
  }
  getAttribute(name: string) {
    return name === 'action' ? this.action : null;
  }
  querySelector(selector: string) {
    return this.inputs.find((input) => selector.includes(`[name="${input.name}"]`)) ?? null;
  }
  appendChild(input: { type: string; name: string; value: string }) {
    this.inputs.push(input);
  }
}

/** Runs the script once for a page view; returns what `leadgate.fields()` gives and what it stored. */
function pageView(view: PageView) {
  const url = new URL(view.url);
  const storage = view.storage ?? new Map<string, string>();
  const listeners = new Map<string, (event: unknown) => void>();
  const page: Record<string, unknown> = {
    URL,
    URLSearchParams,
    HTMLFormElement: StandInForm,
    Date: { now: () => view.now ?? Date.parse('2026-03-01T10:00:00Z') },
    location: {
      origin: url.origin,
      pathname: url.pathname,
      search: url.search,
      hostname: url.hostname,
      href: url.href,
    },
    document: {
      referrer: view.referrer ?? '',
      currentScript: {
        src: 'https://gateway.example.test/leadgate.js',
        getAttribute: (name: string) => (name === 'data-days' ? (view.days ?? null) : null),
      },
      addEventListener: (type: string, listener: (event: unknown) => void) => listeners.set(type, listener),
      createElement: () => ({ type: '', name: '', value: '' }),
    },
  };
  page.window = page;
  Object.defineProperty(page, 'localStorage', {
    get() {
      if (storage === 'blocked') throw new Error('SecurityError: storage is blocked');
      return {
        getItem: (key: string) => storage.get(key) ?? null,
        setItem: (key: string, value: string) => storage.set(key, value),
      };
    },
  });
  vm.runInNewContext(attributionScript, page);
  const leadgate = page.leadgate as { fields(): Record<string, string> };
  return {
    fields: leadgate.fields(),
    storage,
    listeners: [...listeners.keys()],
    /** Dispatches a submit event of `form` as the browser would (capture phase, on the document). */
    submit: (form: StandInForm) => listeners.get('submit')?.({ target: form }),
    /** Dispatches a formdata event of `form` (`form.submit()`, `new FormData(form)`). */
    formdata: (form: StandInForm, formData: Map<string, string>) =>
      listeners.get('formdata')?.({
        target: form,
        formData: {
          has: (name: string) => formData.has(name),
          set: (name: string, value: string) => formData.set(name, value),
        },
      }),
  };
}

describe('the attribution script in a page', () => {
  it('keeps the landing page of the first touch on later page views and listens for submits', () => {
    // Prepare
    const storage = new Map<string, string>();
    pageView({
      url: 'https://www.example.com/offer?utm_source=news&utm_campaign=spring&gclid=g-1&other=x#top',
      referrer: 'https://news.example.net/',
      storage,
    });

    // Act
    const later = pageView({
      url: 'https://www.example.com/contact',
      referrer: 'https://www.example.com/offer',
      storage,
    });

    // Assess
    expect(later.fields).toEqual({
      lg_first_utm_source: 'news',
      lg_first_utm_campaign: 'spring',
      lg_first_gclid: 'g-1',
      lg_first_landing: 'https://www.example.com/offer',
      lg_first_referrer: 'https://news.example.net/',
      lg_last_utm_source: 'news',
      lg_last_utm_campaign: 'spring',
      lg_last_gclid: 'g-1',
      lg_last_landing: 'https://www.example.com/offer',
      lg_last_referrer: 'https://news.example.net/',
    });
    expect(later.listeners.sort()).toEqual(['formdata', 'submit']);
  });

  it('replaces the last touch on a new campaign visit, keeps the first', () => {
    // Prepare
    const storage = new Map<string, string>();
    pageView({ url: 'https://www.example.com/?utm_campaign=spring', storage });

    // Act
    const { fields } = pageView({
      url: 'https://www.example.com/summer?utm_campaign=summer&ttclid=tt-1',
      storage,
    });

    // Assess
    expect(fields).toMatchObject({
      lg_first_utm_campaign: 'spring',
      lg_last_utm_campaign: 'summer',
      lg_last_ttclid: 'tt-1',
      lg_last_landing: 'https://www.example.com/summer',
    });
    expect(fields.lg_first_ttclid).toBeUndefined();
  });

  it('forgets touches older than data-days', () => {
    // Prepare
    const storage = new Map<string, string>();
    const start = Date.parse('2026-03-01T10:00:00Z');
    pageView({ url: 'https://www.example.com/?utm_campaign=old', storage, days: '30', now: start });

    // Act
    const { fields } = pageView({
      url: 'https://www.example.com/?utm_campaign=new',
      storage,
      days: '30',
      now: start + 31 * 86_400_000,
    });

    // Assess
    expect(fields.lg_first_utm_campaign).toBe('new');
  });

  it('stores nothing with data-days="0", and still gives this page view', () => {
    // Act
    const view = pageView({ url: 'https://www.example.com/?utm_campaign=spring', days: '0' });

    // Assess
    expect(view.storage).toEqual(new Map());
    expect(view.fields.lg_last_utm_campaign).toBe('spring');
  });

  it('bounds values and drops control characters and keys it does not know', () => {
    // Prepare
    const storage = new Map([
      [
        'leadgate.attribution',
        JSON.stringify({
          first: {
            at: Date.parse('2026-02-01T00:00:00Z'),
            utm_source: 's'.repeat(5000),
            evil: 'x',
            landing: 7,
          },
        }),
      ],
    ]);

    // Act
    const { fields } = pageView({
      url: `https://www.example.com/?utm_campaign=a%0Ab${'c'.repeat(1000)}`,
      storage,
    });

    // Assess
    expect(fields.lg_first_utm_source).toHaveLength(200);
    expect(fields.lg_last_utm_campaign).toBe(`ab${'c'.repeat(198)}`);
    expect(Object.keys(fields).some((name) => name.includes('evil'))).toBe(false);
    expect(fields.lg_first_landing).toBeUndefined();
    expect(String(storage.get('leadgate.attribution')).length).toBeLessThan(2048);
  });

  it('adds hidden fields only to forms that post to its own gateway, once each', () => {
    // Prepare
    const view = pageView({ url: 'https://www.example.com/contact?utm_campaign=spring' });
    const gatewayForm = new StandInForm('https://gateway.example.test/v1/forms/site');
    const otherForms = [
      new StandInForm('/search'),
      new StandInForm('https://other-gateway.example.test/v1/forms/site'),
      new StandInForm('https://gateway.example.test/health'),
      new StandInForm(null),
    ];

    // Act
    view.submit(gatewayForm);
    view.submit(gatewayForm);
    for (const form of otherForms) view.submit(form);

    // Assess
    expect(gatewayForm.inputs).toEqual([
      { type: 'hidden', name: 'lg_first_utm_campaign', value: 'spring' },
      { type: 'hidden', name: 'lg_first_landing', value: 'https://www.example.com/contact' },
      { type: 'hidden', name: 'lg_last_utm_campaign', value: 'spring' },
      { type: 'hidden', name: 'lg_last_landing', value: 'https://www.example.com/contact' },
    ]);
    expect(otherForms.map((form) => form.inputs)).toEqual([[], [], [], []]);
  });

  it('fills the form data of form.submit() and new FormData(form) without overwriting the page', () => {
    // Prepare
    const view = pageView({ url: 'https://www.example.com/contact?gclid=g-3' });
    const formData = new Map([['lg_last_gclid', 'set-by-the-page']]);

    // Act
    view.formdata(new StandInForm('https://gateway.example.test/v1/forms/site'), formData);

    // Assess
    expect(Object.fromEntries(formData)).toEqual({
      lg_first_gclid: 'g-3',
      lg_first_landing: 'https://www.example.com/contact',
      lg_last_gclid: 'set-by-the-page',
      lg_last_landing: 'https://www.example.com/contact',
    });
  });

  it.each([
    ['unreadable JSON in storage', new Map([['leadgate.attribution', '{not json']])],
    ['storage that throws (blocked by the browser)', 'blocked' as const],
  ])('never throws into the page: %s', (_, storage) => {
    // Act
    const view = pageView({ url: 'https://www.example.com/?gclid=g-2', storage });

    // Assess
    expect(view.fields.lg_last_gclid).toBe('g-2');
  });
});
