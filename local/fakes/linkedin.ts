/**
 * A fake of the slice of LinkedIn's Marketing API leadgate calls, so the LinkedIn fetch path runs end
 * to end on one machine. It binds 127.0.0.1 only and never logs.
 *
 * - `GET /rest/leadFormResponses/{id}`: a lead (its answers carry question ids only);
 * - `GET /rest/leadForms/{formId}`: the form, whose `content.questions[]` give each question id its
 *   `predefinedField` (FIRST_NAME, EMAIL…) and the texts of multiple-choice options. leadgate names
 *   answers through this call (see `shared/channels/linkedin/fetch.ts`), so the fake serves both.
 *
 * Every call must carry `Authorization: Bearer <token>` (else 401 INVALID_ACCESS_TOKEN),
 * `LinkedIn-Version: YYYYMM` (else 400 VERSION_MISSING; a version in `sunsetVersions` → 426
 * NONEXISTENT_VERSION) and `X-Restli-Protocol-Version: 2.0.0` (else 400). Unknown ids → 404.
 * Form ids given as digit strings are answered as JSON numbers, exactly (they exceed 2^53).
 * Errors can be injected (`failNext`). Control API without auth: `POST /_fake/responses`,
 * `POST /_fake/forms`, `POST /_fake/errors` (`{"preset":"rateLimit","times":1}`), `GET /_fake/requests`.
 */

import type { IncomingMessage, ServerResponse } from 'node:http';
import { jsonSender, serveUntilStopped, startFakeServer } from '#local/fakes/server.ts';

/** The port the fake LinkedIn API listens on when none is given. */
export const FAKE_LINKEDIN_DEFAULT_PORT = 3004;
/** The access token the fake accepts when none is configured. */
export const FAKE_LINKEDIN_TOKEN = 'fake-linkedin-token';

/** A lead form response as LinkedIn answers it (`id` as in `urn:li:leadFormResponse:<id>`). */
export interface FakeLinkedinResponse {
  id: string;
  versionedLeadGenFormUrn?: string;
  formResponse: {
    answers: { questionId: number | string; answerDetails: Record<string, unknown> }[];
    consentResponses?: unknown[];
  };
  [field: string]: unknown;
}

/** A lead form; `id` as digits (answered as a JSON number). */
export interface FakeLinkedinForm {
  id: string;
  content: {
    questions: {
      questionId: number;
      name?: string;
      predefinedField?: string;
      question?: unknown;
      questionDetails?: unknown;
      [field: string]: unknown;
    }[];
    [field: string]: unknown;
  };
  [field: string]: unknown;
}

/** A LinkedIn error answer. */
export interface LinkedinErrorAnswer {
  status: number;
  body: { status: number; serviceErrorCode?: number; code?: string; message: string };
  headers?: Record<string, string>;
}

/** LinkedIn's own error answers for the cases leadgate classifies. */
export const linkedinErrors = {
  unauthorized: {
    status: 401,
    body: {
      status: 401,
      serviceErrorCode: 65600,
      code: 'INVALID_ACCESS_TOKEN',
      message: 'Invalid access token',
    },
  },
  expiredToken: {
    status: 401,
    body: {
      status: 401,
      serviceErrorCode: 65601,
      code: 'REVOKED_ACCESS_TOKEN',
      message: 'The token used in the request has been revoked by the user',
    },
  },
  forbidden: {
    status: 403,
    body: {
      status: 403,
      serviceErrorCode: 100,
      code: 'ACCESS_DENIED',
      message: 'Not enough permissions to access: leadFormResponses.GET.20260101',
    },
  },
  notFound: { status: 404, body: { status: 404, code: 'NOT_FOUND', message: 'Not Found' } },
  rateLimit: {
    status: 429,
    body: {
      status: 429,
      serviceErrorCode: 101,
      code: 'TOO_MANY_REQUESTS',
      message: 'Resource level throttle APPLICATION DAY limit for calls to this resource is reached.',
    },
    headers: { 'retry-after': '60' },
  },
  serverError: { status: 500, body: { status: 500, message: 'Internal Server Error' } },
  unavailable: { status: 503, body: { status: 503, message: 'Service Unavailable' } },
} satisfies Record<string, LinkedinErrorAnswer>;

export type LinkedinErrorPreset = keyof typeof linkedinErrors;

/** An injected failure, for every path or only `leadFormResponses` / `leadForms`. */
export type LinkedinFault = LinkedinErrorPreset | LinkedinErrorAnswer | 'reset';

export interface FakeLinkedinOptions {
  /** Port; default 3004, 0 lets the OS choose. The host is always 127.0.0.1. */
  port?: number;
  /** The valid access token; default {@link FAKE_LINKEDIN_TOKEN}. */
  token?: string;
  /** `LinkedIn-Version` values answered 426 (a sunset version). */
  sunsetVersions?: string[];
  responses?: FakeLinkedinResponse[];
  forms?: FakeLinkedinForm[];
}

/** What the fake saw of one API request (never the token). */
export interface LinkedinRequestRecord {
  method: string;
  path: string;
  version: string | undefined;
  restliProtocol: string | undefined;
  /** Whether `Authorization` was `Bearer <the valid token>`. */
  authorized: boolean;
}

export interface FakeLinkedin {
  /** Base URL, e.g. `http://127.0.0.1:3004` (give it as the resolver's `apiUrl`). */
  url: string;
  port: number;
  addResponse(response: FakeLinkedinResponse): void;
  deleteResponse(id: string): void;
  addForm(form: FakeLinkedinForm): void;
  /** The next `times` API requests (to `only` that resource, when given) fail this way. */
  failNext(
    fault: LinkedinFault,
    options?: { times?: number; only?: 'leadFormResponses' | 'leadForms' },
  ): void;
  requests(): LinkedinRequestRecord[];
  stop(): Promise<void>;
}

const rawJson = (JSON as unknown as { rawJSON(text: string): unknown }).rawJSON;

/**
 * Starts the fake LinkedIn API and resolves once it listens.
 *
 * @example
 * const linkedin = await startFakeLinkedin({ port: 0, forms: [form], responses: [lead] });
 * linkedin.failNext('rateLimit', { only: 'leadFormResponses' });
 * await linkedin.stop();
 */
export async function startFakeLinkedin(options: FakeLinkedinOptions = {}): Promise<FakeLinkedin> {
  const token = options.token ?? FAKE_LINKEDIN_TOKEN;
  const sunset = new Set(options.sunsetVersions ?? []);
  const responses = new Map((options.responses ?? []).map((response) => [response.id, response]));
  const forms = new Map((options.forms ?? []).map((form) => [form.id, form]));
  const faults: { fault: LinkedinFault; only: string | undefined }[] = [];
  const seen: LinkedinRequestRecord[] = [];

  const failNext: FakeLinkedin['failNext'] = (fault, { times = 1, only } = {}) => {
    if (typeof fault === 'string' && fault !== 'reset' && !(fault in linkedinErrors)) {
      throw new TypeError(`unknown LinkedIn fault ${fault}`);
    }
    for (let i = 0; i < times; i++) faults.push({ fault, only });
  };

  function api(req: IncomingMessage, res: ServerResponse, url: URL) {
    const version = header(req, 'linkedin-version');
    const restliProtocol = header(req, 'x-restli-protocol-version');
    const authorized = header(req, 'authorization') === `Bearer ${token}`;
    seen.push({ method: req.method ?? 'GET', path: url.pathname, version, restliProtocol, authorized });
    const match = /^\/rest\/(leadFormResponses|leadForms)\/([^/]+)$/.exec(url.pathname);
    const resource = match?.[1];
    const index = faults.findIndex((item) => item.only === undefined || item.only === resource);
    const fault = index >= 0 ? faults.splice(index, 1)[0]?.fault : undefined;
    if (fault === 'reset') return void req.socket.destroy();
    if (fault !== undefined) return sendError(res, typeof fault === 'string' ? linkedinErrors[fault] : fault);
    if (!authorized) return sendError(res, linkedinErrors.unauthorized);
    if (!version) {
      return sendError(
        res,
        error(
          400,
          'VERSION_MISSING',
          'A version must be present. Please specify a version by adding the LinkedIn-Version header.',
        ),
      );
    }
    if (!/^\d{6}(\.\d{2})?$/.test(version) || sunset.has(version)) {
      return sendError(res, error(426, 'NONEXISTENT_VERSION', `Requested version ${version} is not active`));
    }
    if (restliProtocol !== '2.0.0') {
      return sendError(res, error(400, 'ILLEGAL_ARGUMENT', 'X-Restli-Protocol-Version 2.0.0 is required'));
    }
    if (req.method !== 'GET' || !match?.[2]) return sendError(res, linkedinErrors.notFound);
    const id = decodeURIComponent(match[2]);
    if (resource === 'leadFormResponses') {
      const response = responses.get(id);
      return response ? sendJson(res, 200, response) : sendError(res, linkedinErrors.notFound);
    }
    const form = forms.get(id);
    if (!form) return sendError(res, linkedinErrors.notFound);
    sendJson(res, 200, { ...form, id: /^\d+$/.test(form.id) ? rawJson(form.id) : form.id });
  }

  const running = await startFakeServer({
    base: 'http://linkedin.fake',
    api,
    control: {
      'GET /_fake/requests': () => [200, seen],
      'POST /_fake/responses': (body) => {
        const response = JSON.parse(body) as FakeLinkedinResponse;
        if (typeof response.id !== 'string') return [400, { error: 'a response needs an id' }];
        responses.set(response.id, response);
        return [201, { id: response.id }];
      },
      'POST /_fake/forms': (body) => {
        const form = JSON.parse(body) as FakeLinkedinForm;
        if (typeof form.id !== 'string') return [400, { error: 'a form needs an id (digits, quoted)' }];
        forms.set(form.id, form);
        return [201, { id: form.id }];
      },
      'POST /_fake/errors': (body) => {
        const input = JSON.parse(body) as {
          preset?: string;
          answer?: LinkedinErrorAnswer;
          times?: number;
          only?: 'leadFormResponses' | 'leadForms';
        };
        failNext((input.answer ?? input.preset ?? '') as LinkedinFault, {
          ...(input.times === undefined ? {} : { times: input.times }),
          ...(input.only === undefined ? {} : { only: input.only }),
        });
        return [200, { queued: faults.length }];
      },
    },
    sendJson,
    serverError: (res) => sendError(res, linkedinErrors.serverError),
    port: options.port ?? FAKE_LINKEDIN_DEFAULT_PORT,
  });
  return {
    ...running,
    addResponse: (response) => void responses.set(response.id, response),
    deleteResponse: (id) => void responses.delete(id),
    addForm: (form) => void forms.set(form.id, form),
    failNext,
    requests: () => seen.map((record) => ({ ...record })),
  };
}

function error(status: number, code: string, message: string): LinkedinErrorAnswer {
  return { status, body: { status, code, message } };
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function sendError(res: ServerResponse, answer: LinkedinErrorAnswer): void {
  sendJson(res, answer.status, answer.body, answer.headers);
}

/** LinkedIn's REST answers carry the Rest.li protocol version. */
const sendJson = jsonSender({ 'x-restli-protocol-version': '2.0.0' });

if (import.meta.main) {
  const linkedin = await startFakeLinkedin({
    port: Number(process.env.FAKE_LINKEDIN_PORT || FAKE_LINKEDIN_DEFAULT_PORT),
    token: process.env.FAKE_LINKEDIN_TOKEN || FAKE_LINKEDIN_TOKEN,
  });
  serveUntilStopped('fake LinkedIn API', linkedin);
}
