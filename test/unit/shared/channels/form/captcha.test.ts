import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { afterEach, describe, expect, it } from 'vitest';
import { createCaptureHandler } from '#functions/capture.ts';
import { listenOnLoopback } from '#local/loopback.ts';
import { lambdaContext } from '#local/poller.ts';
import { CaptchaSettingError, type CaptchaUrls, captchaVerifyUrls } from '#shared/channels/form/captcha.ts';
import type { HttpResult } from '#shared/http/response.ts';
import { secretStore } from '#shared/security/secrets.ts';
import { sourceConfigSchema } from '#shared/sources/schema.ts';
import { counterValues } from '#shared/telemetry.ts';
import { recordingQueue, sourcesFrom } from '#test/support/channels.ts';

// The form channel's CAPTCHA step (docs/sources.md, "CAPTCHA"), through the real capture handler,
// against a siteverify stand-in on loopback whose answer each test sets.

const ORIGIN = 'https://www.example.com';
const lead = '\nlead:\n  FirstName: first_name\n  LastName: { from: last_name, default: "-" }\n';
const form = (captcha: string, extra = '') =>
  `channel: form\nform:\n  allowedOrigins: ["${ORIGIN}"]\n  captcha: ${captcha}\n${extra}${lead}`;
const sources = {
  ts: form('{ provider: turnstile, secret: TS_SECRET }'),
  hc: form('{ provider: hcaptcha, secret: HC_SECRET }'),
  rc: form('{ provider: recaptcha, secret: RC_SECRET }'),
  'rc-strict': form('{ provider: recaptcha, secret: RC_SECRET, minScore: 0.95, action: contact }'),
  'ts-reject': form('{ provider: turnstile, secret: TS_SECRET, onUnavailable: reject }'),
  'ts-missing': form('{ provider: turnstile, secret: NOT_SET }'),
  'ts-malformed': form('{ provider: turnstile, secret: BAD_SECRET }'),
  'ts-classic': form(
    '{ provider: turnstile, secret: TS_SECRET }',
    '  redirect: { success: "https://www.example.com/thanks", failure: "https://www.example.com/contact" }\n',
  ),
};
const secrets = {
  TS_SECRET: 'turnstile-secret-0123456789',
  HC_SECRET: 'hcaptcha-secret-0123456789',
  RC_SECRET: 'recaptcha-secret-0123456789',
  BAD_SECRET: 'has a space',
};
const tokenField = { ts: 'cf-turnstile-response', hc: 'h-captcha-response', rc: 'g-recaptcha-response' };

type Answer = {
  status?: number;
  body?: unknown;
  raw?: string;
  hang?: boolean;
  redirect?: string;
  /** Sent as they are (a declared Content-Length: the body is not chunked). */
  headers?: Record<string, string>;
};
type Asked = { path: string; contentType: string | undefined; params: Record<string, string> };

/** A siteverify stand-in on 127.0.0.1: answers `answer` (JSON 200 `{success:true}` by default). */
async function verifyServer() {
  let answer: Answer = { body: { success: true } };
  const asked: Asked[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      asked.push({
        path: req.url ?? '',
        contentType: req.headers['content-type'],
        params: Object.fromEntries(new URLSearchParams(text)),
      });
      if (answer.hang) return;
      if (answer.redirect) {
        res.writeHead(307, { location: answer.redirect }).end();
        return;
      }
      const body = answer.raw ?? JSON.stringify(answer.body);
      res
        .writeHead(answer.status ?? 200, { 'content-type': 'application/json', ...answer.headers })
        .end(body);
    });
  });
  const listening = await listenOnLoopback(server, 0);
  const urls: CaptchaUrls = {
    turnstile: `${listening.url}/turnstile/v0/siteverify`,
    hcaptcha: `${listening.url}/siteverify`,
    recaptcha: `${listening.url}/recaptcha/api/siteverify`,
  };
  return {
    urls,
    asked,
    answer: (next: Answer) => {
      answer = next;
    },
    close: listening.close,
  };
}

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** The capture handler over the sources above, a recording queue and a stand-in (or `urls`). */
async function gateway(urls?: CaptchaUrls) {
  const verify = await verifyServer();
  cleanups.push(verify.close);
  const { sources: registry, cleanup } = sourcesFrom(sources);
  cleanups.push(cleanup);
  const recording = recordingQueue();
  const handler = createCaptureHandler(() => ({
    sources: registry,
    queue: recording.queue,
    secrets: secretStore(async () => secrets),
    captcha: { urls: urls ?? verify.urls, timeoutMs: 300 },
  }));
  const post = async (
    sourceId: string,
    fields: Record<string, string>,
    headers: Record<string, string> = {},
    classic = false,
  ) => {
    const body = classic ? new URLSearchParams(fields).toString() : JSON.stringify(fields);
    const event = {
      version: '2.0',
      routeKey: 'POST /v1/forms/{sourceId}',
      rawPath: `/v1/forms/${sourceId}`,
      rawQueryString: '',
      headers: {
        origin: ORIGIN,
        'content-type': classic ? 'application/x-www-form-urlencoded' : 'application/json',
        ...(classic ? {} : { accept: 'application/json' }),
        ...headers,
      },
      pathParameters: { sourceId },
      requestContext: {
        http: {
          method: 'POST',
          path: `/v1/forms/${sourceId}`,
          protocol: 'HTTP/1.1',
          sourceIp: '203.0.113.7',
        },
        routeKey: 'POST /v1/forms/{sourceId}',
        requestId: 'captcha-test',
        stage: '$default',
        timeEpoch: Date.now(),
      },
      body,
      isBase64Encoded: false,
    } as unknown as APIGatewayProxyEventV2;
    return (await handler(event, lambdaContext('leadgate-capture', 10))) as HttpResult;
  };
  return { verify, post, enqueued: recording.enqueued };
}

const person = { first_name: 'Ada', last_name: 'Lovelace' };
const errorCode = (result: HttpResult) =>
  (JSON.parse(String(result.body)) as { error?: { code?: string } }).error?.code;

describe('form CAPTCHA: a verified token', () => {
  it.each([
    ['ts', 'turnstile', '/turnstile/v0/siteverify'],
    ['hc', 'hcaptcha', '/siteverify'],
    ['rc', 'recaptcha', '/recaptcha/api/siteverify'],
  ] as const)(
    '%s (%s): secret, token and remote IP go form-encoded to siteverify; the lead is queued',
    async (sourceId, _provider, path) => {
      // Prepare
      const { verify, post, enqueued } = await gateway();

      // Act
      const result = await post(sourceId, { ...person, [tokenField[sourceId]]: 'token-1' });

      // Assess
      expect(result.statusCode).toBe(202);
      expect(verify.asked).toEqual([
        {
          path,
          contentType: 'application/x-www-form-urlencoded',
          params: {
            secret: secrets[`${sourceId.toUpperCase()}_SECRET` as keyof typeof secrets],
            response: 'token-1',
            remoteip: '203.0.113.7',
          },
        },
      ]);
      expect(enqueued).toHaveLength(1);
      expect(enqueued[0]?.fields).toEqual(person);
      expect(enqueued[0]?.context.captcha).toBe('verified');
    },
  );

  it('takes the first non-empty token when the field is sent more than once', async () => {
    // Prepare
    const { verify, post, enqueued } = await gateway();

    // Act
    const result = await post('ts', { ...person, 'cf-turnstile-response': ['', ' t-2 '] } as never);

    // Assess
    expect(result.statusCode).toBe(202);
    expect(verify.asked[0]?.params.response).toBe('t-2');
    expect(enqueued[0]?.fields).toEqual(person);
  });

  it('reads the token from X-Captcha-Token when the field is absent', async () => {
    // Prepare
    const { verify, post, enqueued } = await gateway();

    // Act
    const result = await post('ts', person, { 'x-captcha-token': 'header-token' });

    // Assess
    expect(result.statusCode).toBe(202);
    expect(verify.asked[0]?.params.response).toBe('header-token');
    expect(enqueued).toHaveLength(1);
  });

  it('keeps the reCAPTCHA v3 score in $captcha.score', async () => {
    // Prepare
    const { verify, post, enqueued } = await gateway();
    verify.answer({ body: { success: true, score: 0.7, action: 'contact' } });

    // Act
    const result = await post('rc', { ...person, 'g-recaptcha-response': 't' });

    // Assess
    expect(result.statusCode).toBe(202);
    expect(enqueued[0]?.context).toMatchObject({ captcha: 'verified', 'captcha.score': '0.7' });
  });
});

describe('form CAPTCHA: refused tokens (403 captcha_failed, nothing queued)', () => {
  it('refuses a post without a token, without asking the provider', async () => {
    // Prepare
    const { verify, post, enqueued } = await gateway();

    // Act
    const result = await post('ts', person);

    // Assess
    expect(result.statusCode).toBe(403);
    expect(errorCode(result)).toBe('captcha_failed');
    expect(verify.asked).toHaveLength(0);
    expect(enqueued).toHaveLength(0);
  });

  it.each([
    ['ts', ['invalid-input-response']],
    ['ts', ['timeout-or-duplicate']],
    ['hc', ['invalid-or-already-seen-response']],
    ['hc', ['not-using-dummy-passcode']],
    ['rc', ['invalid-input-response']],
    ['rc', ['timeout-or-duplicate']],
  ] as const)('%s: success false with %j', async (sourceId, codes) => {
    // Prepare
    const { verify, post, enqueued } = await gateway();
    verify.answer({ body: { success: false, 'error-codes': codes } });

    // Act
    const result = await post(sourceId, { ...person, [tokenField[sourceId]]: 'bad' });

    // Assess
    expect(result.statusCode).toBe(403);
    expect(errorCode(result)).toBe('captcha_failed');
    expect(enqueued).toHaveLength(0);
  });

  it.each([
    ['rc', { success: true, score: 0.3 }, 'a score below the default minScore 0.5'],
    ['rc-strict', { success: true, score: 0.9, action: 'contact' }, 'a score below minScore 0.95'],
    ['rc-strict', { success: true, score: 0.99, action: 'login' }, 'another action than the configured one'],
  ] as const)('%s: refuses %j (%s)', async (sourceId, body, _why) => {
    // Prepare
    const { verify, post, enqueued } = await gateway();
    verify.answer({ body });

    // Act
    const result = await post(sourceId, { ...person, 'g-recaptcha-response': 't' });

    // Assess
    expect(result.statusCode).toBe(403);
    expect(errorCode(result)).toBe('captcha_failed');
    expect(enqueued).toHaveLength(0);
  });

  it('sends a classic post to the failure page with error=captcha_failed', async () => {
    // Prepare
    const { verify, post } = await gateway();
    verify.answer({ body: { success: false, 'error-codes': ['invalid-input-response'] } });

    // Act
    const result = await post('ts-classic', { ...person, 'cf-turnstile-response': 'bad' }, {}, true);

    // Assess
    expect(result.statusCode).toBe(303);
    expect(result.headers?.location).toBe('https://www.example.com/contact?error=captcha_failed');
  });

  it('refuses a token longer than Turnstile documents (2048) without asking', async () => {
    // Prepare
    const { verify, post } = await gateway();

    // Act
    const result = await post('ts', { ...person, 'cf-turnstile-response': 'x'.repeat(2049) });

    // Assess
    expect(result.statusCode).toBe(403);
    expect(verify.asked).toHaveLength(0);
  });
});

describe('form CAPTCHA: secrets fail closed (503 auth_unavailable)', () => {
  it.each([
    ['ts-missing', 'a secret that is not set'],
    ['ts-malformed', 'a malformed secret'],
  ])('%s: %s', async (sourceId) => {
    // Prepare
    const { verify, post, enqueued } = await gateway();

    // Act
    const result = await post(sourceId, { ...person, 'cf-turnstile-response': 't' });

    // Assess
    expect(result.statusCode).toBe(503);
    expect(errorCode(result)).toBe('auth_unavailable');
    expect(verify.asked).toHaveLength(0);
    expect(enqueued).toHaveLength(0);
  });

  it('a secret the provider refuses (invalid-input-secret) is our configuration, not the visitor', async () => {
    // Prepare
    const { verify, post, enqueued } = await gateway();
    verify.answer({ body: { success: false, 'error-codes': ['invalid-input-secret'] } });

    // Act
    const result = await post('hc', { ...person, 'h-captcha-response': 't' });

    // Assess
    expect(result.statusCode).toBe(503);
    expect(errorCode(result)).toBe('auth_unavailable');
    expect(enqueued).toHaveLength(0);
  });
});

const bigAnswer = JSON.stringify({ success: true, pad: 'x'.repeat(70_000) });

describe('form CAPTCHA: provider unavailable', () => {
  const unavailable: [string, Answer][] = [
    ['a 503', { status: 503, body: { error: 'down' } }],
    ['a 500', { status: 500, raw: 'oops' }],
    ['a 429', { status: 429, body: {} }],
    ['an answer that is not JSON', { raw: '<html>maintenance</html>' }],
    ['JSON without success', { body: { ok: true } }],
    ['Turnstile internal-error', { body: { success: false, 'error-codes': ['internal-error'] } }],
    ['an answer over 64 KB', { raw: JSON.stringify({ success: true, pad: 'x'.repeat(70_000) }) }],
    [
      'an answer declared over 64 KB',
      { raw: bigAnswer, headers: { 'content-length': String(Buffer.byteLength(bigAnswer)) } },
    ],
    ['a 204 without a body', { status: 204, raw: '' }],
    ['a JSON list', { body: [{ success: true }] }],
    ['a redirect (never followed)', { redirect: 'https://elsewhere.example/' }],
    ['no answer within the timeout', { hang: true }],
  ];

  it.each(unavailable)('accepts the lead marked $captcha=unverified on %s', async (_what, answer) => {
    // Prepare
    const { verify, post, enqueued } = await gateway();
    verify.answer(answer);
    const before = counterValues().captcha_unverified ?? 0;

    // Act
    const result = await post('ts', { ...person, 'cf-turnstile-response': 't' });

    // Assess
    expect(result.statusCode).toBe(202);
    expect(enqueued).toHaveLength(1);
    expect(enqueued[0]?.context.captcha).toBe('unverified');
    expect(enqueued[0]?.fields).toEqual(person);
    expect(counterValues().captcha_unverified).toBe(before + 1);
  });

  it('accepts the lead when nothing listens at the verify URL', async () => {
    // Prepare
    const closed = await verifyServer();
    await closed.close();
    const { post, enqueued } = await gateway(closed.urls);

    // Act
    const result = await post('rc', { ...person, 'g-recaptcha-response': 't' });

    // Assess
    expect(result.statusCode).toBe(202);
    expect(enqueued[0]?.context.captcha).toBe('unverified');
  });

  it('answers 503 captcha_unavailable with Retry-After when the source says onUnavailable: reject', async () => {
    // Prepare
    const { verify, post, enqueued } = await gateway();
    verify.answer({ status: 502, raw: 'bad gateway' });

    // Act
    const result = await post('ts-reject', { ...person, 'cf-turnstile-response': 't' });

    // Assess
    expect(result.statusCode).toBe(503);
    expect(errorCode(result)).toBe('captcha_unavailable');
    expect(result.headers?.['retry-after']).toBe('30');
    expect(enqueued).toHaveLength(0);
  });
});

describe('form CAPTCHA: CORS', () => {
  it('lets a cross-origin fetch send the token in X-Captcha-Token (preflight)', async () => {
    // Prepare
    const { sources: registry, cleanup } = sourcesFrom(sources);
    cleanups.push(cleanup);
    const handler = createCaptureHandler(() => ({
      sources: registry,
      queue: recordingQueue().queue,
      secrets: secretStore(async () => secrets),
    }));
    const event = {
      version: '2.0',
      routeKey: 'OPTIONS /v1/forms/{sourceId}',
      rawPath: '/v1/forms/ts',
      rawQueryString: '',
      headers: { origin: ORIGIN, 'access-control-request-headers': 'content-type, x-captcha-token' },
      pathParameters: { sourceId: 'ts' },
      requestContext: {
        http: { method: 'OPTIONS', path: '/v1/forms/ts', protocol: 'HTTP/1.1', sourceIp: '203.0.113.7' },
        routeKey: 'OPTIONS /v1/forms/{sourceId}',
        requestId: 'captcha-preflight',
        stage: '$default',
        timeEpoch: Date.now(),
      },
      isBase64Encoded: false,
    } as unknown as APIGatewayProxyEventV2;

    // Act
    const result = (await handler(event, lambdaContext('leadgate-capture', 10))) as HttpResult;

    // Assess
    expect(result.statusCode).toBe(204);
    expect(result.headers?.['access-control-allow-headers']).toContain('x-captcha-token');
  });
});

describe('captchaVerifyUrls', () => {
  it('defaults to the providers’ documented endpoints', () => {
    // Act
    const urls = captchaVerifyUrls({});

    // Assess
    expect(urls).toEqual({
      turnstile: 'https://challenges.cloudflare.com/turnstile/v0/siteverify',
      hcaptcha: 'https://api.hcaptcha.com/siteverify',
      recaptcha: 'https://www.google.com/recaptcha/api/siteverify',
    });
  });

  it('takes https anywhere and plain http on loopback', () => {
    // Act
    const urls = captchaVerifyUrls({
      TURNSTILE_VERIFY_URL: 'https://proxy.example.com/siteverify',
      HCAPTCHA_VERIFY_URL: 'http://127.0.0.1:4000/siteverify',
      RECAPTCHA_VERIFY_URL: 'http://localhost:4000/recaptcha/api/siteverify',
    });

    // Assess
    expect(urls.turnstile).toBe('https://proxy.example.com/siteverify');
    expect(urls.hcaptcha).toBe('http://127.0.0.1:4000/siteverify');
  });

  it.each([
    ['TURNSTILE_VERIFY_URL', 'http://challenges.example.com/siteverify', /must use https/],
    ['HCAPTCHA_VERIFY_URL', 'ftp://127.0.0.1/siteverify', /must use https/],
    ['RECAPTCHA_VERIFY_URL', 'not a url', /is not a URL/],
    ['TURNSTILE_VERIFY_URL', 'https://user:pw@example.com/', /credentials/],
  ])('refuses %s=%s with an error naming the setting', (setting, value, message) => {
    // Act
    const act = () => captchaVerifyUrls({ [setting]: value });

    // Assess
    expect(act).toThrow(CaptchaSettingError);
    expect(act).toThrow(new RegExp(setting));
    expect(act).toThrow(message);
  });
});

describe('form.captcha in the source schema', () => {
  const config = (captcha: unknown) => ({
    channel: 'form',
    form: { allowedOrigins: [ORIGIN], captcha },
    lead: { FirstName: 'first_name', LastName: 'last_name' },
  });

  it('defaults minScore to 0.5 and onUnavailable to accept', () => {
    // Act
    const parsed = sourceConfigSchema.parse(config({ provider: 'recaptcha', secret: 'RC_SECRET' }));

    // Assess
    expect(parsed.form?.captcha).toEqual({
      provider: 'recaptcha',
      secret: 'RC_SECRET',
      minScore: 0.5,
      onUnavailable: 'accept',
    });
  });

  it.each([
    [
      { provider: 'recaptcha', secret: '6LeIxAcTAAAAAGG-vFI1TnRWxMZNFuojJ4WifJWe' },
      'a secret value instead of a name',
    ],
    [{ provider: 'friendlycaptcha', secret: 'X' }, 'an unknown provider'],
    [{ provider: 'recaptcha', secret: 'X', minScore: 1.5 }, 'minScore above 1'],
    [
      { provider: 'hcaptcha', secret: 'X', action: 'contact' },
      'an action for hCaptcha (its answer has none)',
    ],
    [{ provider: 'turnstile', secret: 'X', onUnavailable: 'retry' }, 'an unknown onUnavailable'],
  ])('refuses %j (%s)', (captcha, _why) => {
    // Act
    const parsed = sourceConfigSchema.safeParse(config(captcha));

    // Assess
    expect(parsed.success).toBe(false);
  });
});
