/**
 * A local stand-in for the three CAPTCHA providers' siteverify APIs, so `npm start` verifies form
 * CAPTCHAs without the network. It binds 127.0.0.1 only, never logs, and honours each provider's
 * documented test keys (any other secret is answered `invalid-input-secret`: it knows no real keys):
 *
 * - Turnstile, `POST /turnstile/v0/siteverify` (form-encoded or JSON), per
 *   https://developers.cloudflare.com/turnstile/troubleshooting/testing/: secret
 *   `1x0000000000000000000000000000000AA` always passes, `2x0000000000000000000000000000000AA`
 *   always fails, `3x0000000000000000000000000000000AA` answers "token already spent"
 *   (`timeout-or-duplicate`). The test sitekeys produce the dummy token `XXXX.DUMMY.TOKEN.XXXX`, and
 *   test secrets accept only that token.
 * - hCaptcha, `POST /siteverify` (form-encoded), per
 *   https://docs.hcaptcha.com/#integration-testing-test-keys: secret
 *   `0x0000000000000000000000000000000000000000` with the test sitekey's response
 *   `10000000-aaaa-bbbb-cccc-000000000001` passes; another response is `not-using-dummy-passcode`.
 * - reCAPTCHA, `POST /recaptcha/api/siteverify` (form-encoded), per
 *   https://developers.google.com/recaptcha/docs/faq (automated tests): secret
 *   `6LeIxAcTAAAAAGG-vFI1TnRWxMZNFuojJ4WifJWe` (site key `6LeIxAcTAAAAAJcZVRqyHh71UMIEGNQ_MXjiZKhI`)
 *   passes every request (a v2 answer: no score; Google documents no v3 test keys).
 *
 * Faults for tests and demos (no auth, loopback only): `POST /_fake/faults`
 * `{"status":503,"times":1}` (answer that status), `{"delayMs":10000,"times":1}` (answer late),
 * `{"answer":{"success":true,"score":0.2},"times":1}` (answer this body), `{"body":"<html>"}`
 * (not JSON); `GET /_fake/requests` lists what was asked (provider and token, never the secret).
 */

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { foreignRequestRefusal, listenOnLoopback } from '#local/loopback.ts';
import type { CaptchaUrls } from '#shared/channels/form/captcha.ts';
import type { CaptchaProvider } from '#shared/sources/schema.ts';

/** The providers' documented test keys, as the fake honours them. */
export const CAPTCHA_TEST_KEYS = {
  turnstile: {
    passSecret: '1x0000000000000000000000000000000AA',
    failSecret: '2x0000000000000000000000000000000AA',
    spentSecret: '3x0000000000000000000000000000000AA',
    sitekey: '1x00000000000000000000AA',
    token: 'XXXX.DUMMY.TOKEN.XXXX',
  },
  hcaptcha: {
    secret: '0x0000000000000000000000000000000000000000',
    sitekey: '10000000-ffff-ffff-ffff-000000000001',
    token: '10000000-aaaa-bbbb-cccc-000000000001',
  },
  recaptcha: {
    secret: '6LeIxAcTAAAAAGG-vFI1TnRWxMZNFuojJ4WifJWe',
    sitekey: '6LeIxAcTAAAAAJcZVRqyHh71UMIEGNQ_MXjiZKhI',
  },
} as const;

/** One injected fault: answered `times` times (default 1), then the fake answers normally again. */
export interface CaptchaFault {
  status?: number;
  delayMs?: number;
  answer?: unknown;
  body?: string;
  times?: number;
}

export interface FakeCaptcha {
  url: string;
  port: number;
  /** The siteverify URL of each provider on this fake. */
  urls: CaptchaUrls;
  /** What was asked, oldest first (provider, token, remote IP; never the secret). */
  requests(): { provider: CaptchaProvider; token: string; remoteip: string | undefined }[];
  fail(fault: CaptchaFault): void;
  stop(): Promise<void>;
}

const PATHS: Record<string, CaptchaProvider> = {
  '/turnstile/v0/siteverify': 'turnstile',
  '/siteverify': 'hcaptcha',
  '/recaptcha/api/siteverify': 'recaptcha',
};

/**
 * Starts the fake on 127.0.0.1 (`port` 0: a free one).
 *
 * @example
 * const fake = await startFakeCaptcha();
 * const check = captchaCheck({ secrets, captcha: { urls: fake.urls } });
 */
export async function startFakeCaptcha(options: { port?: number } = {}): Promise<FakeCaptcha> {
  const faults: CaptchaFault[] = [];
  const asked: { provider: CaptchaProvider; token: string; remoteip: string | undefined }[] = [];
  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) send(res, 500, { success: false, 'error-codes': ['internal-error'] });
      else res.destroy();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const refusal = foreignRequestRefusal(req);
    if (refusal)
      return send(res, refusal.status, { error: { code: refusal.code, message: refusal.message } });
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    const body = await readBody(req);
    if (path === '/_fake/faults' && req.method === 'POST') {
      faults.push(JSON.parse(body || '{}') as CaptchaFault);
      return send(res, 204, undefined);
    }
    if (path === '/_fake/requests' && req.method === 'GET') return send(res, 200, asked);
    const provider = PATHS[path];
    if (!provider || req.method !== 'POST')
      return send(res, 404, { success: false, 'error-codes': ['not-found'] });
    const params = readParams(req.headers['content-type'], body, provider);
    asked.push({ provider, token: params.response ?? '', remoteip: params.remoteip });
    const fault = faults[0];
    if (fault) {
      fault.times = (fault.times ?? 1) - 1;
      if (fault.times <= 0) faults.shift();
      if (fault.delayMs) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, fault.delayMs);
          res.once('close', () => {
            clearTimeout(timer);
            resolve();
          });
        });
        if (res.destroyed) return;
      }
      if (fault.body !== undefined) {
        res.writeHead(fault.status ?? 200, { 'content-type': 'text/html' });
        return res.end(fault.body);
      }
      if (fault.answer !== undefined || fault.status !== undefined) {
        return send(
          res,
          fault.status ?? 200,
          fault.answer ?? { success: false, 'error-codes': ['internal-error'] },
        );
      }
    }
    return send(res, 200, verify(provider, params));
  }

  const listening = await listenOnLoopback(server, options.port ?? 0);
  return {
    url: listening.url,
    port: listening.port,
    urls: {
      turnstile: `${listening.url}/turnstile/v0/siteverify`,
      hcaptcha: `${listening.url}/siteverify`,
      recaptcha: `${listening.url}/recaptcha/api/siteverify`,
    },
    requests: () => asked.map((entry) => ({ ...entry })),
    fail: (fault) => faults.push({ ...fault }),
    stop: listening.close,
  };
}

type Params = { secret?: string; response?: string; remoteip?: string };

/** The documented test-key answers of each provider. */
function verify(provider: CaptchaProvider, { secret, response }: Params): Record<string, unknown> {
  const failed = (...codes: string[]) => ({ success: false, 'error-codes': codes });
  if (!secret) return failed('missing-input-secret');
  if (!response) return failed('missing-input-response');
  const passed = {
    success: true,
    challenge_ts: new Date().toISOString(),
    hostname: 'localhost',
    'error-codes': [],
  };
  switch (provider) {
    case 'turnstile': {
      const keys = CAPTCHA_TEST_KEYS.turnstile;
      if (![keys.passSecret, keys.failSecret, keys.spentSecret].includes(secret as never)) {
        return failed('invalid-input-secret');
      }
      if (response !== keys.token) return failed('invalid-input-response');
      if (secret === keys.failSecret) return failed('invalid-input-response');
      if (secret === keys.spentSecret) return failed('timeout-or-duplicate');
      return passed;
    }
    case 'hcaptcha': {
      const keys = CAPTCHA_TEST_KEYS.hcaptcha;
      if (secret !== keys.secret) return failed('invalid-input-secret');
      if (response !== keys.token) return failed('not-using-dummy-passcode');
      return passed;
    }
    case 'recaptcha':
      return secret === CAPTCHA_TEST_KEYS.recaptcha.secret ? passed : failed('invalid-input-secret');
  }
}

/** Form-encoded parameters (all three providers), or JSON (Turnstile also takes it). */
function readParams(contentType: string | undefined, body: string, provider: CaptchaProvider): Params {
  if (provider === 'turnstile' && contentType?.startsWith('application/json')) {
    try {
      const parsed = JSON.parse(body) as Record<string, unknown>;
      const text = (value: unknown) => (typeof value === 'string' ? value : undefined);
      return {
        secret: text(parsed.secret),
        response: text(parsed.response),
        remoteip: text(parsed.remoteip),
      };
    } catch {
      return {};
    }
  }
  const form = new URLSearchParams(body);
  return {
    secret: form.get('secret') ?? undefined,
    response: form.get('response') ?? undefined,
    remoteip: form.get('remoteip') ?? undefined,
  };
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > 64 * 1024) throw new Error('body too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function send(res: ServerResponse, status: number, body: unknown): void {
  if (body === undefined) {
    res.writeHead(status).end();
    return;
  }
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(text)),
  });
  res.end(text);
}
