import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createCaptureHandler } from '#functions/capture.ts';
import { listenOnLoopback } from '#local/loopback.ts';
import { lambdaContext } from '#local/poller.ts';
import {
  CaptchaSettingError,
  type CaptchaUrls,
  captchaCheck,
  captchaVerifyUrls,
} from '#shared/channels/form/captcha.ts';
import type { HttpRequest } from '#shared/http/request.ts';
import type { HttpResult } from '#shared/http/response.ts';
import { secretStore } from '#shared/security/secrets.ts';
import { type Source, sourceConfigSchema } from '#shared/sources/schema.ts';
import { counterValues } from '#shared/telemetry.ts';
import { recordingQueue, sourcesFrom } from '#test/support/channels.ts';
import { interceptLogLines, type LogLine } from '#test/support/fuzz/logs.ts';

// Log at INFO, as deployed (Powertools reads the level when the logger is built): the refusals'
// lines are INFO, and what they say is behaviour for the operator.
const previousLogLevel = vi.hoisted(() => {
  const previous = process.env.POWERTOOLS_LOG_LEVEL;
  process.env.POWERTOOLS_LOG_LEVEL = 'INFO';
  return previous;
});

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
  'ts-short': form('{ provider: turnstile, secret: SHORT_SECRET }'),
  'ts-eight': form('{ provider: turnstile, secret: EIGHT_SECRET }'),
  'ts-longest': form('{ provider: turnstile, secret: LONGEST_SECRET }'),
  'ts-too-long': form('{ provider: turnstile, secret: TOO_LONG_SECRET }'),
  'ts-leading-space': form('{ provider: turnstile, secret: LEADING_SPACE_SECRET }'),
  'ts-trailing-space': form('{ provider: turnstile, secret: TRAILING_SPACE_SECRET }'),
  'ts-action': form('{ provider: turnstile, secret: TS_SECRET, action: contact }'),
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
  SHORT_SECRET: 'x'.repeat(7),
  EIGHT_SECRET: '!'.repeat(8),
  LONGEST_SECRET: '~'.repeat(512),
  TOO_LONG_SECRET: 'x'.repeat(513),
  LEADING_SPACE_SECRET: ' turnstile-secret-0123456789',
  TRAILING_SPACE_SECRET: 'turnstile-secret-0123456789 ',
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
  /** The Accept header of each request (kept apart from `asked`, which the first tests compare whole). */
  const accepts: (string | undefined)[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      accepts.push(req.headers.accept);
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
    accepts,
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
async function gateway(
  urls?: CaptchaUrls,
  options: { loadSecrets?: () => Promise<Record<string, string>> } = {},
) {
  const verify = await verifyServer();
  cleanups.push(verify.close);
  const { sources: registry, cleanup } = sourcesFrom(sources);
  cleanups.push(cleanup);
  const recording = recordingQueue();
  const handler = createCaptureHandler(() => ({
    sources: registry,
    queue: recording.queue,
    secrets: secretStore(options.loadSecrets ?? (async () => secrets)),
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

// ---------------------------------------------------------------------------------------------
// What the operator reads (the log line of each refusal and of an unreachable provider), and the
// answers a provider may give at the edges of what the check reads.

/** Every structured log line the process writes (the logger writes INFO to stdout, WARN/ERROR to stderr). */
let logLines: LogLine[] = [];
let restoreLogs: () => void = () => {};
beforeAll(() => {
  ({ restore: restoreLogs } = interceptLogLines((line) => logLines.push(line)));
});
afterEach(() => {
  logLines = [];
});
afterAll(() => {
  restoreLogs();
  if (previousLogLevel === undefined) delete process.env.POWERTOOLS_LOG_LEVEL;
  else process.env.POWERTOOLS_LOG_LEVEL = previousLogLevel;
});

/** The lines logged with `message`. */
const logged = (message: string) => logLines.filter((line) => line.message === message);
const errorMessage = (result: HttpResult) =>
  (JSON.parse(String(result.body)) as { error?: { message?: string } }).error?.message;

const REFUSED_MESSAGE = 'The CAPTCHA could not be verified: complete it again and send the form again.';
const ACCEPTED_UNVERIFIED = 'captcha provider unavailable: lead accepted unverified';

describe('form CAPTCHA: the log line of each refusal', () => {
  it('a refused token: INFO "captcha refused" with the source, channel, provider and codes', async () => {
    // Prepare
    const { verify, post, enqueued } = await gateway();
    verify.answer({ body: { success: false, 'error-codes': ['invalid-input-response'] } });

    // Act
    const result = await post('ts', { ...person, 'cf-turnstile-response': 'bad' });

    // Assess
    expect(result.statusCode).toBe(403);
    expect(errorMessage(result)).toBe(REFUSED_MESSAGE);
    expect(enqueued).toHaveLength(0);
    expect(logged('captcha refused')).toEqual([
      expect.objectContaining({
        level: 'INFO',
        sourceId: 'ts',
        channel: 'form',
        provider: 'turnstile',
        codes: ['invalid-input-response'],
      }),
    ]);
  });

  it('a missing token: says it is missing, and asks nothing', async () => {
    // Prepare
    const { verify, post } = await gateway();

    // Act
    const result = await post('hc', { ...person, 'h-captcha-response': '   ' });

    // Assess
    expect(result.statusCode).toBe(403);
    expect(errorMessage(result)).toBe(
      'The CAPTCHA answer is missing: complete the CAPTCHA and send the form again.',
    );
    expect(verify.asked).toHaveLength(0);
  });

  it('another action: INFO "captcha refused: unexpected action" with the action, cut to 100 characters', async () => {
    // Prepare
    const { verify, post, enqueued } = await gateway();
    verify.answer({ body: { success: true, score: 0.99, action: 'a'.repeat(150) } });

    // Act
    const result = await post('rc-strict', { ...person, 'g-recaptcha-response': 't' });

    // Assess
    expect(result.statusCode).toBe(403);
    expect(errorMessage(result)).toBe(REFUSED_MESSAGE);
    expect(enqueued).toHaveLength(0);
    expect(logged('captcha refused: unexpected action')).toEqual([
      expect.objectContaining({
        level: 'INFO',
        sourceId: 'rc-strict',
        channel: 'form',
        provider: 'recaptcha',
        action: 'a'.repeat(100),
      }),
    ]);
  });

  it.each([
    ['a number', 42],
    ['a list', ['contact']],
    ['missing', undefined],
  ])(
    'an action that is %s is no action: refused when one is configured, logged without one',
    async (_what, action) => {
      // Prepare
      const { verify, post, enqueued } = await gateway();
      verify.answer({ body: { success: true, score: 0.99, action } });

      // Act
      const result = await post('rc-strict', { ...person, 'g-recaptcha-response': 't' });

      // Assess
      expect(result.statusCode).toBe(403);
      expect(enqueued).toHaveLength(0);
      const [line] = logged('captcha refused: unexpected action');
      expect(line).toMatchObject({ sourceId: 'rc-strict', provider: 'recaptcha' });
      expect(line).not.toHaveProperty('action');
    },
  );

  it('a Turnstile action is checked too, and the configured one passes', async () => {
    // Prepare
    const { verify, post, enqueued } = await gateway();
    verify.answer({ body: { success: true, action: 'contact' } });

    // Act
    const result = await post('ts-action', { ...person, 'cf-turnstile-response': 't' });

    // Assess
    expect(result.statusCode).toBe(202);
    expect(enqueued[0]?.context).toEqual(expect.objectContaining({ captcha: 'verified' }));
    expect(logged('captcha refused: unexpected action')).toEqual([]);
  });

  it('a low score: INFO "captcha refused: score below minScore" with the score', async () => {
    // Prepare
    const { verify, post } = await gateway();
    verify.answer({ body: { success: true, score: 0.3 } });

    // Act
    const result = await post('rc', { ...person, 'g-recaptcha-response': 't' });

    // Assess
    expect(result.statusCode).toBe(403);
    expect(errorMessage(result)).toBe(REFUSED_MESSAGE);
    expect(logged('captcha refused: score below minScore')).toEqual([
      expect.objectContaining({
        level: 'INFO',
        sourceId: 'rc',
        channel: 'form',
        provider: 'recaptcha',
        score: 0.3,
      }),
    ]);
  });

  it('a provider-refused secret: ERROR naming the secret (never its value) and the codes', async () => {
    // Prepare
    const { verify, post } = await gateway();
    verify.answer({ body: { success: false, 'error-codes': ['sitekey-secret-mismatch'] } });

    // Act
    const result = await post('hc', { ...person, 'h-captcha-response': 't' });

    // Assess
    expect(result.statusCode).toBe(503);
    expect(errorCode(result)).toBe('auth_unavailable');
    expect(logged('captcha secret refused by the provider: check the secret')).toEqual([
      expect.objectContaining({
        level: 'ERROR',
        sourceId: 'hc',
        channel: 'form',
        provider: 'hcaptcha',
        secret: 'HC_SECRET',
        codes: ['sitekey-secret-mismatch'],
      }),
    ]);
    expect(JSON.stringify(logLines)).not.toContain(secrets.HC_SECRET);
  });

  it.each([
    ['ts-missing', 'secret not set', 'NOT_SET'],
    ['ts-malformed', 'secret malformed: counted as not set', 'BAD_SECRET'],
  ])('%s: ERROR "%s" naming the secret', async (sourceId, message, secret) => {
    // Prepare
    const { post } = await gateway();

    // Act
    const result = await post(sourceId, { ...person, 'cf-turnstile-response': 't' });

    // Assess
    expect(result.statusCode).toBe(503);
    expect(logged(message)).toEqual([expect.objectContaining({ level: 'ERROR', sourceId, secret })]);
  });

  it('a secret store that fails: 503 auth_unavailable, ERROR with the error name only', async () => {
    // Prepare
    class VaultDown extends Error {
      override name = 'VaultDown';
    }
    const { verify, post, enqueued } = await gateway(undefined, {
      loadSecrets: async () => {
        throw new VaultDown('vault at 10.0.0.1 is down');
      },
    });

    // Act
    const result = await post('ts', { ...person, 'cf-turnstile-response': 't' });

    // Assess
    expect(result.statusCode).toBe(503);
    expect(errorCode(result)).toBe('auth_unavailable');
    expect(verify.asked).toHaveLength(0);
    expect(enqueued).toHaveLength(0);
    expect(logged('secrets unavailable: request refused with 503')).toEqual([
      expect.objectContaining({ level: 'ERROR', sourceId: 'ts', error: 'VaultDown' }),
    ]);
  });

  it('a secret store that throws something else than an Error: logged as unknown', async () => {
    // Prepare
    const { post } = await gateway(undefined, {
      loadSecrets: () => Promise.reject('down'),
    });

    // Act
    const result = await post('ts', { ...person, 'cf-turnstile-response': 't' });

    // Assess
    expect(result.statusCode).toBe(503);
    expect(logged('secrets unavailable: request refused with 503')).toEqual([
      expect.objectContaining({ sourceId: 'ts', error: 'unknown' }),
    ]);
  });
});

describe('form CAPTCHA: well-formed secrets (8 to 512 printable characters, no spaces)', () => {
  it.each([
    ['ts-eight', 8],
    ['ts-longest', 512],
  ])('%s: a secret of %i characters is sent', async (sourceId, length) => {
    // Prepare
    const { verify, post } = await gateway();

    // Act
    const result = await post(sourceId, { ...person, 'cf-turnstile-response': 't' });

    // Assess
    expect(result.statusCode).toBe(202);
    expect(verify.asked[0]?.params.secret).toHaveLength(length);
  });

  it.each([
    ['ts-short', 'seven characters'],
    ['ts-too-long', '513 characters'],
    ['ts-leading-space', 'a leading space'],
    ['ts-trailing-space', 'a trailing space'],
  ])('%s: a secret of %s is malformed (503, never sent)', async (sourceId) => {
    // Prepare
    const { verify, post } = await gateway();

    // Act
    const result = await post(sourceId, { ...person, 'cf-turnstile-response': 't' });

    // Assess
    expect(result.statusCode).toBe(503);
    expect(verify.asked).toHaveLength(0);
    expect(logged('secret malformed: counted as not set')).toHaveLength(1);
  });
});

describe('form CAPTCHA: what the provider answers', () => {
  it('asks for JSON', async () => {
    // Prepare
    const { verify, post } = await gateway();

    // Act
    await post('ts', { ...person, 'cf-turnstile-response': 't' });

    // Assess
    expect(verify.accepts).toEqual(['application/json']);
  });

  it.each([
    [429, 'HTTP 429'],
    [500, 'HTTP 500'],
    [503, 'HTTP 503'],
  ])(
    'a %i with a JSON refusal is the provider failing, not the visitor: accepted unverified',
    async (status, reason) => {
      // Prepare
      const { verify, post, enqueued } = await gateway();
      verify.answer({ status, body: { success: false, 'error-codes': ['invalid-input-response'] } });

      // Act
      const result = await post('ts', { ...person, 'cf-turnstile-response': 't' });

      // Assess
      expect(result.statusCode).toBe(202);
      expect(enqueued[0]?.context.captcha).toBe('unverified');
      expect(logged(ACCEPTED_UNVERIFIED)).toEqual([
        expect.objectContaining({
          level: 'WARN',
          sourceId: 'ts',
          channel: 'form',
          provider: 'turnstile',
          reason,
        }),
      ]);
      expect(logged('captcha refused')).toEqual([]);
    },
  );

  it('a 4xx other than 429 with a JSON refusal is a refusal', async () => {
    // Prepare
    const { verify, post, enqueued } = await gateway();
    verify.answer({ status: 400, body: { success: false, 'error-codes': ['bad-request'] } });

    // Act
    const result = await post('ts', { ...person, 'cf-turnstile-response': 't' });

    // Assess
    expect(result.statusCode).toBe(403);
    expect(enqueued).toHaveLength(0);
    expect(logged('captcha refused')).toEqual([expect.objectContaining({ codes: ['bad-request'] })]);
  });

  it.each([
    [['invalid-input-secret', 'internal-error'], 'provider failure before the secret'],
    [['invalid-input-response', 'internal-error'], 'provider failure before the token'],
  ])('%j: the provider failed (%s): accepted unverified, the codes as reason', async (codes) => {
    // Prepare
    const { verify, post, enqueued } = await gateway();
    verify.answer({ body: { success: false, 'error-codes': codes } });

    // Act
    const result = await post('ts', { ...person, 'cf-turnstile-response': 't' });

    // Assess
    expect(result.statusCode).toBe(202);
    expect(enqueued[0]?.context.captcha).toBe('unverified');
    expect(logged(ACCEPTED_UNVERIFIED)).toEqual([expect.objectContaining({ reason: codes.join(',') })]);
  });

  it.each([
    ['invalid-input-response', 'missing-input-secret'],
    ['invalid-input-secret', 'timeout-or-duplicate'],
  ])('[%s, %s]: a secret code anywhere in the list is our configuration (503)', async (...codes) => {
    // Prepare
    const { verify, post, enqueued } = await gateway();
    verify.answer({ body: { success: false, 'error-codes': codes } });

    // Act
    const result = await post('ts', { ...person, 'cf-turnstile-response': 't' });

    // Assess
    expect(result.statusCode).toBe(503);
    expect(errorCode(result)).toBe('auth_unavailable');
    expect(enqueued).toHaveLength(0);
    expect(logged('captcha secret refused by the provider: check the secret')).toEqual([
      expect.objectContaining({ codes }),
    ]);
  });

  it('keeps the string codes only, each cut to 64 characters', async () => {
    // Prepare
    const { verify, post } = await gateway();
    verify.answer({
      body: { success: false, 'error-codes': [42, 'bad-token', null, { code: 'x' }, 'c'.repeat(80)] },
    });

    // Act
    const result = await post('ts', { ...person, 'cf-turnstile-response': 't' });

    // Assess
    expect(result.statusCode).toBe(403);
    expect(logged('captcha refused')).toEqual([
      expect.objectContaining({ codes: ['bad-token', 'c'.repeat(64)] }),
    ]);
  });

  it('reads ten codes at most: an eleventh internal-error is not read', async () => {
    // Prepare
    const { verify, post, enqueued } = await gateway();
    const ten = Array.from({ length: 10 }, (_, index) => `code-${index}`);
    verify.answer({ body: { success: false, 'error-codes': [...ten, 'internal-error'] } });

    // Act
    const result = await post('ts', { ...person, 'cf-turnstile-response': 't' });

    // Assess
    expect(result.statusCode).toBe(403);
    expect(enqueued).toHaveLength(0);
    expect(logged('captcha refused')).toEqual([expect.objectContaining({ codes: ten })]);
  });

  it.each([
    ['a string', 'internal-error'],
    ['an object', { 0: 'internal-error' }],
  ])('error-codes that is %s is no list of codes: refused with none', async (_what, codes) => {
    // Prepare
    const { verify, post } = await gateway();
    verify.answer({ body: { success: false, 'error-codes': codes } });

    // Act
    const result = await post('ts', { ...person, 'cf-turnstile-response': 't' });

    // Assess
    expect(result.statusCode).toBe(403);
    expect(logged('captcha refused')).toEqual([expect.objectContaining({ codes: [] })]);
  });

  it.each([
    ['1e999', 'Infinity'],
    ['-1e999', '-Infinity'],
    ['"0.9"', 'a string'],
  ])('a score of %s (%s) is no score: verified without $captcha.score', async (score) => {
    // Prepare
    const { verify, post, enqueued } = await gateway();
    verify.answer({ raw: `{"success":true,"score":${score}}` });

    // Act
    const result = await post('rc', { ...person, 'g-recaptcha-response': 't' });

    // Assess
    expect(result.statusCode).toBe(202);
    expect(enqueued[0]?.context.captcha).toBe('verified');
    expect(enqueued[0]?.context).not.toHaveProperty('captcha.score');
  });

  it('a reCAPTCHA score equal to minScore passes', async () => {
    // Prepare
    const { verify, post, enqueued } = await gateway();
    verify.answer({ body: { success: true, score: 0.5 } });

    // Act
    const result = await post('rc', { ...person, 'g-recaptcha-response': 't' });

    // Assess
    expect(result.statusCode).toBe(202);
    expect(enqueued[0]?.context).toMatchObject({ captcha: 'verified', 'captcha.score': '0.5' });
  });

  it('a score from another provider than reCAPTCHA is kept but never refuses', async () => {
    // Prepare
    const { verify, post, enqueued } = await gateway();
    verify.answer({ body: { success: true, score: 0.1 } });

    // Act
    const result = await post('hc', { ...person, 'h-captcha-response': 't' });

    // Assess
    expect(result.statusCode).toBe(202);
    expect(enqueued[0]?.context).toMatchObject({ captcha: 'verified', 'captcha.score': '0.1' });
  });

  it.each([
    ['answers success as a string', { success: 'true' }],
    ['answers null', null],
  ])('a provider that %s is unavailable', async (_what, body) => {
    // Prepare
    const { verify, post, enqueued } = await gateway();
    verify.answer({ body });

    // Act
    const result = await post('ts', { ...person, 'cf-turnstile-response': 't' });

    // Assess
    expect(result.statusCode).toBe(202);
    expect(enqueued[0]?.context.captcha).toBe('unverified');
    expect(logged(ACCEPTED_UNVERIFIED)).toEqual([
      expect.objectContaining({ reason: 'unexpected answer (HTTP 200)' }),
    ]);
  });
});

/** A JSON answer of exactly `bytes` bytes. */
const answerOf = (bytes: number) => {
  const empty = JSON.stringify({ success: true, pad: '' });
  return JSON.stringify({ success: true, pad: 'x'.repeat(bytes - empty.length) });
};

describe('form CAPTCHA: the 64 KB answer limit', () => {
  it.each([
    ['declared', true],
    ['chunked (no Content-Length)', false],
  ])('an answer of exactly 64 KB, %s, is read', async (_what, declared) => {
    // Prepare
    const { verify, post, enqueued } = await gateway();
    const raw = answerOf(64 * 1024);
    verify.answer({ raw, ...(declared ? { headers: { 'content-length': String(raw.length) } } : {}) });

    // Act
    const result = await post('ts', { ...person, 'cf-turnstile-response': 't' });

    // Assess
    expect(result.statusCode).toBe(202);
    expect(enqueued[0]?.context.captcha).toBe('verified');
  });

  it.each([
    ['declared', true],
    ['chunked (no Content-Length)', false],
  ])('an answer of 64 KB and one byte, %s, is too large', async (_what, declared) => {
    // Prepare
    const { verify, post, enqueued } = await gateway();
    const raw = answerOf(64 * 1024 + 1);
    verify.answer({ raw, ...(declared ? { headers: { 'content-length': String(raw.length) } } : {}) });

    // Act
    const result = await post('ts', { ...person, 'cf-turnstile-response': 't' });

    // Assess
    expect(result.statusCode).toBe(202);
    expect(enqueued[0]?.context.captcha).toBe('unverified');
    expect(logged(ACCEPTED_UNVERIFIED)).toEqual([expect.objectContaining({ reason: 'answer too large' })]);
  });

  it('a Content-Length over 64 KB is refused before any byte of the body is awaited', async () => {
    // Prepare: the stand-in declares more than it sends, so reading the body would wait for the timeout
    const { verify, post, enqueued } = await gateway();
    verify.answer({ raw: '{"success":true}', headers: { 'content-length': String(64 * 1024 + 1) } });

    // Act
    const result = await post('ts', { ...person, 'cf-turnstile-response': 't' });

    // Assess
    expect(result.statusCode).toBe(202);
    expect(enqueued[0]?.context.captcha).toBe('unverified');
    expect(logged(ACCEPTED_UNVERIFIED)).toEqual([expect.objectContaining({ reason: 'answer too large' })]);
  });
});

describe('form CAPTCHA: why the provider is unavailable (the logged reason)', () => {
  const reasons: [string, Answer, string][] = [
    ['a 502', { status: 502, raw: 'bad gateway' }, 'HTTP 502'],
    ['an answer that is not JSON', { raw: '<html>maintenance</html>' }, 'unexpected answer (HTTP 200)'],
    ['a 204 without a body', { status: 204, raw: '' }, 'unexpected answer (HTTP 204)'],
    [
      'Turnstile internal-error',
      { body: { success: false, 'error-codes': ['internal-error'] } },
      'internal-error',
    ],
    ['a redirect', { redirect: 'https://elsewhere.example/' }, 'answered with a redirect'],
    ['no answer', { hang: true }, 'no answer within 300 ms'],
  ];

  it.each(reasons)(
    '%s: WARN with its reason, the lead accepted unverified',
    async (_what, answer, reason) => {
      // Prepare
      const { verify, post } = await gateway();
      verify.answer(answer);

      // Act
      const result = await post('ts', { ...person, 'cf-turnstile-response': 't' });

      // Assess
      expect(result.statusCode).toBe(202);
      expect(logged(ACCEPTED_UNVERIFIED)).toEqual([
        expect.objectContaining({
          level: 'WARN',
          sourceId: 'ts',
          channel: 'form',
          provider: 'turnstile',
          reason,
        }),
      ]);
    },
  );

  it('nothing listening: the connection error code', async () => {
    // Prepare
    const closed = await verifyServer();
    await closed.close();
    const { post } = await gateway(closed.urls);

    // Act
    const result = await post('rc', { ...person, 'g-recaptcha-response': 't' });

    // Assess
    expect(result.statusCode).toBe(202);
    expect(logged(ACCEPTED_UNVERIFIED)).toEqual([
      expect.objectContaining({ provider: 'recaptcha', reason: 'connection failed (ECONNREFUSED)' }),
    ]);
  });

  it('onUnavailable: reject: WARN "lead refused" with the reason, nothing counted unverified', async () => {
    // Prepare
    const { verify, post, enqueued } = await gateway();
    verify.answer({ status: 503, body: { success: false } });
    const before = counterValues().captcha_unverified ?? 0;

    // Act
    const result = await post('ts-reject', { ...person, 'cf-turnstile-response': 't' });

    // Assess
    expect(result.statusCode).toBe(503);
    expect(errorMessage(result)).toBe('The CAPTCHA cannot be checked right now. Please retry shortly.');
    expect(enqueued).toHaveLength(0);
    expect(counterValues().captcha_unverified ?? 0).toBe(before);
    expect(logged('captcha provider unavailable: lead refused (onUnavailable: reject)')).toEqual([
      expect.objectContaining({
        level: 'WARN',
        sourceId: 'ts-reject',
        provider: 'turnstile',
        reason: 'HTTP 503',
      }),
    ]);
    expect(logged(ACCEPTED_UNVERIFIED)).toEqual([]);
  });
});

describe('form CAPTCHA: the token', () => {
  it('falls back to X-Captcha-Token when the field holds only spaces', async () => {
    // Prepare
    const { verify, post } = await gateway();

    // Act
    const result = await post(
      'ts',
      { ...person, 'cf-turnstile-response': '  ' },
      { 'x-captcha-token': ' h ' },
    );

    // Assess
    expect(result.statusCode).toBe(202);
    expect(verify.asked[0]?.params.response).toBe('h');
  });

  it('removes every provider’s token field from the lead, and reads only its own provider’s', async () => {
    // Prepare
    const { verify, post, enqueued } = await gateway();

    // Act
    const result = await post('ts', {
      ...person,
      'h-captcha-response': 'hc-token',
      'g-recaptcha-response': 'rc-token',
      'cf-turnstile-response': 'ts-token',
    });

    // Assess
    expect(result.statusCode).toBe(202);
    expect(verify.asked[0]?.params.response).toBe('ts-token');
    expect(enqueued[0]?.fields).toEqual(person);
  });

  it('another provider’s field is no token for this one', async () => {
    // Prepare
    const { verify, post } = await gateway();

    // Act
    const result = await post('ts', { ...person, 'g-recaptcha-response': 'rc-token' });

    // Assess
    expect(result.statusCode).toBe(403);
    expect(verify.asked).toHaveLength(0);
  });

  it.each([
    ['ts', 'cf-turnstile-response', 2048],
    ['hc', 'h-captcha-response', 8192],
    ['rc', 'g-recaptcha-response', 8192],
  ] as const)(
    '%s: a token of the longest length (%s, %i) is sent, one more is refused',
    async (sourceId, field, longest) => {
      // Prepare
      const { verify, post } = await gateway();

      // Act
      const longestResult = await post(sourceId, { ...person, [field]: 'x'.repeat(longest) });
      const overResult = await post(sourceId, { ...person, [field]: 'x'.repeat(longest + 1) });

      // Assess
      expect(longestResult.statusCode).toBe(202);
      expect(overResult.statusCode).toBe(403);
      expect(verify.asked.map((asked) => asked.params.response?.length)).toEqual([longest]);
    },
  );
});

describe('captchaCheck called directly', () => {
  const turnstile = {
    id: 'direct',
    channel: 'form',
    form: {
      allowedOrigins: [ORIGIN],
      captcha: { provider: 'turnstile', secret: 'TS_SECRET', minScore: 0.5, onUnavailable: 'accept' },
    },
  } as unknown as Source;
  const request = (ip: string | undefined) =>
    ({ headers: {}, ip, method: 'POST', path: '/v1/forms/direct' }) as unknown as HttpRequest;
  const store = secretStore(async () => secrets);
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('passes a source without form settings untouched', async () => {
    // Prepare
    const fields = { 'cf-turnstile-response': 't' };

    // Act
    const context = await captchaCheck({})(
      { id: 'plain', channel: 'form' } as unknown as Source,
      request('203.0.113.7'),
      fields,
    );

    // Assess
    expect(context).toEqual({});
    expect(fields).toEqual({ 'cf-turnstile-response': 't' });
  });

  it('without a secret store: the secret is not set (503 auth_unavailable)', async () => {
    // Act
    const act = captchaCheck({})(turnstile, request('203.0.113.7'), { 'cf-turnstile-response': 't' });

    // Assess
    await expect(act).rejects.toMatchObject({ status: 503, code: 'auth_unavailable' });
    expect(logged('secret not set')).toEqual([
      expect.objectContaining({ sourceId: 'direct', secret: 'TS_SECRET' }),
    ]);
    expect(logged('secrets unavailable: request refused with 503')).toEqual([]);
  });

  it('sends no remoteip when the request has no address', async () => {
    // Prepare
    const verify = await verifyServer();
    cleanups.push(verify.close);

    // Act
    const context = await captchaCheck({ secrets: store, captcha: { urls: verify.urls } })(
      turnstile,
      request(undefined),
      {
        'cf-turnstile-response': 't',
      },
    );

    // Assess
    expect(context).toEqual({ captcha: 'verified' });
    expect(verify.asked[0]?.params).toEqual({ secret: secrets.TS_SECRET, response: 't' });
  });

  /** An error whose `cause` chain is `depth` errors without a code, then one with `code` (if any). */
  const chain = (depth: number, code?: string): Error => {
    let error: Error = Object.assign(new Error('innermost'), code === undefined ? {} : { code });
    for (let level = 0; level < depth; level++) error = new Error(`level ${level}`, { cause: error });
    return error;
  };

  it.each([
    ['an error without any code', new Error('fetch failed'), 'connection failed'],
    ['a code four causes deep', chain(4, 'EDEEP'), 'connection failed (EDEEP)'],
    ['a code five causes deep (not looked for)', chain(5, 'EDEEPER'), 'connection failed'],
    ['a code that is not a string', Object.assign(new Error('odd'), { code: 42 }), 'connection failed'],
    ['nothing (undefined)', undefined, 'connection failed'],
    [
      'an AbortError',
      new DOMException('This operation was aborted', 'AbortError'),
      'no answer within 4000 ms',
    ],
    [
      'an error that is its own cause',
      (() => {
        const error = new Error('loop') as Error & { cause?: unknown };
        error.cause = error;
        return error;
      })(),
      'connection failed',
    ],
  ])('a fetch that fails with %s: logged reason %j', async (_what, error, reason) => {
    // Prepare
    vi.spyOn(globalThis, 'fetch').mockRejectedValue(error);

    // Act
    const context = await captchaCheck({ secrets: store, captcha: { urls: captchaVerifyUrls() } })(
      turnstile,
      request('203.0.113.7'),
      { 'cf-turnstile-response': 't' },
    );

    // Assess
    expect(context).toEqual({ captcha: 'unverified' });
    expect(logged(ACCEPTED_UNVERIFIED)).toEqual([expect.objectContaining({ sourceId: 'direct', reason })]);
  });
});

describe('captchaVerifyUrls: the edges', () => {
  it('an empty setting keeps the provider’s endpoint', () => {
    // Act
    const urls = captchaVerifyUrls({ TURNSTILE_VERIFY_URL: '' });

    // Assess
    expect(urls.turnstile).toBe('https://challenges.cloudflare.com/turnstile/v0/siteverify');
  });

  it('refuses a user name without a password, with a named error', () => {
    // Act
    let thrown: unknown;
    try {
      captchaVerifyUrls({ HCAPTCHA_VERIFY_URL: 'https://user@example.com/siteverify' });
    } catch (error) {
      thrown = error;
    }

    // Assess
    expect(thrown).toBeInstanceOf(CaptchaSettingError);
    expect(thrown).toMatchObject({
      name: 'CaptchaSettingError',
      setting: 'HCAPTCHA_VERIFY_URL',
      message: 'HCAPTCHA_VERIFY_URL must not carry credentials',
    });
  });
});
