import { createHmac } from 'node:crypto';
import {
  type MessageAttributeValue,
  type SendMessageBatchCommand,
  type SendMessageBatchResult,
  SendMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import fc from 'fast-check';
import { afterAll, beforeAll } from 'vitest';
import { createCaptureHandler } from '#functions/capture.ts';
import { lambdaContext } from '#local/poller.ts';
import { type Envelope, envelopeSchema } from '#shared/envelope.ts';
import type { HttpResult } from '#shared/http/response.ts';
import { leadQueue } from '#shared/queue/client.ts';
import { leadsQueue } from '#shared/queue/definition.ts';
import { secretStore } from '#shared/security/secrets.ts';
import { signStandardWebhook } from '#shared/security/signatures.ts';
import { sourcesFrom } from '#test/support/channels.ts';

/**
 * Property-based testing of the capture path: the sources and secrets of one source per channel,
 * an SQS-faithful stub queue, API Gateway events for every route of the HTTP contract, body
 * arbitraries per content type (and wrong ones), signed the way each sender signs, and the check
 * that an answer keeps the contract (never a 5xx, JSON errors with a code, or the vendor's format).
 */

// ---------------------------------------------------------------------------------------------------
// Secrets and sources

export const fuzzSecrets = {
  META_APP_SECRET: 'fz-meta-app-secret',
  META_VERIFY_TOKEN: 'fz-meta-verify-token',
  LINKEDIN_CLIENT_SECRET: 'fz-linkedin-client-secret',
  TIKTOK_APP_SECRET: 'fz-tiktok-app-secret',
  FZ_PARTNER_KEY: 'fz-partner-api-key-0123456789',
  FZ_PARTNER_SIGNING: `whsec_${Buffer.from('fz-partner-signing-secret-bytes!').toString('base64')}`,
  FZ_GOOGLE_KEY: 'fz-google-key',
  FZ_PAGE_TOKEN: 'fz-page-token',
} as const;

export const fuzzIds = {
  page: '104345678901234',
  form: '1234567890123456789',
  advertiser: '7000000000000000001',
  linkedinForm: '6955637458260688897',
} as const;

/** The allowed origin of the strict form source. */
export const FORM_ORIGIN = 'https://www.example.test';

/** One source per channel (two forms: a strict one with redirects and honeypot, an open one). */
export const fuzzSourceFiles: Record<string, string> = {
  'fz-form': `channel: form
form:
  allowedOrigins: ["${FORM_ORIGIN}", "http://localhost:*"]
  redirect: { success: "${FORM_ORIGIN}/thanks", failure: "/contact?error=1" }
  honeypot: _gotcha
lead:
  FirstName: { from: [first_name, name], part: first, transform: title }
  LastName: { from: [last_name, name], part: last, default: "-" }
  OrgName: { template: "{{company}} ({{$utm.campaign}})" }
  Postcode: { from: zip, transform: [trim, upper] }
  Country: { from: country, map: { Spain: ES, España: ES }, default: ES }
  Email:
    - { from: email, type: work, transform: [trim, lower] }
  Phone:
    - { from: phone, type: mobile, transform: digits }
  Extra:
    - { id: "1411084437", from: $utm.campaign }
    - { id: "1411084440", from: interests }
    - { name: Lead source, value: Website }
`,
  'fz-form-open': `channel: form
form:
  allowedOrigins: ["*"]
lead:
  FirstName: { from: first_name, default: Anonymous }
  LastName: { from: [last_name, surname], default: "-" }
  City: { from: city, transform: collapse }
  Country: { from: country, transform: upper, default: ES }
  Email:
    - { from: email }
`,
  'fz-partner': `channel: partner
partner: { apiKeys: [FZ_PARTNER_KEY], signingSecrets: [FZ_PARTNER_SIGNING], leadIdField: ref, maxBatch: 5 }
lead:
  FirstName: { from: first_name, default: "-" }
  LastName: last_name
  Email:
    - { from: email }
`,
  'fz-google': `channel: google-ads
googleAds: { key: FZ_GOOGLE_KEY }
lead:
  FirstName: { from: FULL_NAME, part: first, default: "-" }
  LastName: { from: FULL_NAME, part: last, default: "-" }
  Email:
    - { from: EMAIL }
`,
  'fz-meta': `channel: meta
meta: { pageId: "${fuzzIds.page}", pageToken: FZ_PAGE_TOKEN }
lead:
  FirstName: { from: first_name, default: "-" }
  LastName: { from: last_name, default: "-" }
`,
  'fz-linkedin': `channel: linkedin
linkedin: { formIds: ["${fuzzIds.linkedinForm}"] }
lead:
  FirstName: { from: firstName, default: "-" }
  LastName: { from: lastName, default: "-" }
`,
  'fz-tiktok': `channel: tiktok
tiktok: { advertiserId: "${fuzzIds.advertiser}" }
lead:
  FirstName: { from: name, part: first, default: "-" }
  LastName: { from: name, part: last, default: "-" }
`,
};

// ---------------------------------------------------------------------------------------------------
// The SQS-faithful stub queue

/** SQS's documented message-body characters: #x9 #xA #xD #x20-#xD7FF #xE000-#xFFFD #x10000-#x10FFFF. */
const sqsInvalidCharacter = /[^\t\n\r\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;

/** The size SQS counts: body plus each attribute's name, data type and value (UTF-8 bytes). */
export function sqsMessageSize(body: string, attributes: Record<string, string>): number {
  let size = Buffer.byteLength(body);
  for (const [name, value] of Object.entries(attributes)) {
    size += Buffer.byteLength(name) + Buffer.byteLength('String') + Buffer.byteLength(value);
  }
  return size;
}

/**
 * The real `leadQueue` over an SQS stand-in that refuses what SQS refuses: a message over the `leads`
 * queue's `MaximumMessageSize` (body plus attributes), or with characters outside SQS's allowed set.
 * Such a refusal makes capture answer 503, which is exactly what a property must find; a fix in
 * `leadQueue` (escaping) or in the limits shows here at once. `enqueued` holds each envelope as
 * deliver will read it (the message body parsed again).
 */
export function sqsLikeQueue() {
  const enqueued: Envelope[] = [];
  const refused: string[] = [];
  /** SQS's verdict on one message: the error it answers, or undefined once stored. */
  const store = (body: string, attributes: Record<string, MessageAttributeValue>): Error | undefined => {
    const values: Record<string, string> = {};
    for (const [name, value] of Object.entries(attributes)) values[name] = value.StringValue ?? '';
    const size = sqsMessageSize(body, values);
    if (size > leadsQueue.maximumMessageSizeBytes) {
      refused.push(`message of ${size} bytes is over ${leadsQueue.maximumMessageSizeBytes}`);
      return new Error(
        `InvalidParameterValue: Message must be shorter than ${leadsQueue.maximumMessageSizeBytes} bytes.`,
      );
    }
    const bad = sqsInvalidCharacter.exec(body + Object.values(values).join(''));
    if (bad) {
      const code = bad[0].codePointAt(0)?.toString(16).toUpperCase().padStart(4, '0');
      refused.push(`message contains U+${code}`);
      return new Error('InvalidMessageContents: Invalid characters found.');
    }
    enqueued.push(JSON.parse(body) as Envelope);
    return undefined;
  };
  const sqs = {
    async send(command: SendMessageCommand | SendMessageBatchCommand) {
      if (command instanceof SendMessageCommand) {
        const error = store(command.input.MessageBody ?? '', command.input.MessageAttributes ?? {});
        if (error) throw error;
        return {};
      }
      const entries = command.input.Entries ?? [];
      const total = entries.reduce(
        (sum, entry) =>
          sum +
          sqsMessageSize(
            entry.MessageBody ?? '',
            Object.fromEntries(
              Object.entries(entry.MessageAttributes ?? {}).map(([name, value]) => [
                name,
                value.StringValue ?? '',
              ]),
            ),
          ),
        0,
      );
      if (entries.length > 10 || total > leadsQueue.maximumMessageSizeBytes) {
        refused.push(`batch of ${entries.length} entries, ${total} bytes`);
        throw new Error('BatchRequestTooLong: the batch is over the limits.');
      }
      const answer: SendMessageBatchResult = { Successful: [], Failed: [] };
      for (const entry of entries) {
        const error = store(entry.MessageBody ?? '', entry.MessageAttributes ?? {});
        if (error) answer.Failed?.push({ Id: entry.Id, Code: error.message, SenderFault: true });
        else answer.Successful?.push({ Id: entry.Id, MessageId: entry.Id, MD5OfMessageBody: '' });
      }
      return answer;
    },
  } as unknown as SQSClient;
  const queue = leadQueue({
    sqs,
    leadsUrl: 'https://sqs.local/leads',
    deadLetterUrl: 'https://sqs.local/leads-dlq',
  });
  return { queue, enqueued, refused };
}

// ---------------------------------------------------------------------------------------------------
// The capture handler over those dependencies

/** The real capture handler (middy chain included) over the fuzz sources, secrets and stub queue. */
export function fuzzCapture() {
  const { sources, cleanup } = sourcesFrom(fuzzSourceFiles);
  const recording = sqsLikeQueue();
  const secrets = secretStore(async () => ({ ...fuzzSecrets }));
  const handler = createCaptureHandler(() => ({ sources, queue: recording.queue, secrets }));
  return {
    ...recording,
    cleanup,
    /** Invokes the handler as Lambda would, with a local Lambda context. */
    invoke: (event: APIGatewayProxyEventV2) =>
      handler(event, lambdaContext('leadgate-capture', 10)) as Promise<HttpResult>,
  };
}

// ---------------------------------------------------------------------------------------------------
// Requests and events

export type RouteName =
  | 'health'
  | 'form'
  | 'form-preflight'
  | 'partner'
  | 'google-ads'
  | 'meta-verify'
  | 'meta'
  | 'linkedin-verify'
  | 'linkedin'
  | 'tiktok'
  | 'unknown';

interface RouteSpec {
  method: string;
  routeKey: string;
  /** Sources of this route's channel; undefined for routes without `{sourceId}`. */
  sourceIds?: readonly string[];
  path(sourceId: string): string;
}

/** Every route of the HTTP contract (docs/ARCHITECTURE.md), as API Gateway names them. */
export const contractRoutes: Record<Exclude<RouteName, 'unknown'>, RouteSpec> = {
  health: { method: 'GET', routeKey: 'GET /health', path: () => '/health' },
  form: {
    method: 'POST',
    routeKey: 'POST /v1/forms/{sourceId}',
    sourceIds: ['fz-form', 'fz-form-open'],
    path: (id) => `/v1/forms/${id}`,
  },
  'form-preflight': {
    method: 'OPTIONS',
    routeKey: 'OPTIONS /v1/forms/{sourceId}',
    sourceIds: ['fz-form', 'fz-form-open'],
    path: (id) => `/v1/forms/${id}`,
  },
  partner: {
    method: 'POST',
    routeKey: 'POST /v1/partners/{sourceId}/leads',
    sourceIds: ['fz-partner'],
    path: (id) => `/v1/partners/${id}/leads`,
  },
  'google-ads': {
    method: 'POST',
    routeKey: 'POST /v1/webhooks/google-ads/{sourceId}',
    sourceIds: ['fz-google'],
    path: (id) => `/v1/webhooks/google-ads/${id}`,
  },
  'meta-verify': { method: 'GET', routeKey: 'GET /v1/webhooks/meta', path: () => '/v1/webhooks/meta' },
  meta: { method: 'POST', routeKey: 'POST /v1/webhooks/meta', path: () => '/v1/webhooks/meta' },
  'linkedin-verify': {
    method: 'GET',
    routeKey: 'GET /v1/webhooks/linkedin',
    path: () => '/v1/webhooks/linkedin',
  },
  linkedin: { method: 'POST', routeKey: 'POST /v1/webhooks/linkedin', path: () => '/v1/webhooks/linkedin' },
  tiktok: { method: 'POST', routeKey: 'POST /v1/webhooks/tiktok', path: () => '/v1/webhooks/tiktok' },
};

export const routeNames = [...Object.keys(contractRoutes), 'unknown'] as RouteName[];

export interface FuzzRequest {
  route: RouteName;
  method: string;
  routeKey: string;
  path: string;
  pathParameters: Record<string, string>;
  headers: Record<string, string>;
  query: Record<string, string>;
  body: Buffer;
  /** Send the body base64-encoded (binary) rather than as text. */
  base64: boolean;
}

/** An API Gateway HTTP API payload 2.0 event for a request, as AWS (and `local/gateway.ts`) build it. */
export function apiEvent(request: FuzzRequest): APIGatewayProxyEventV2 {
  const now = new Date();
  const rawQueryString = new URLSearchParams(Object.entries(request.query)).toString();
  const hasQuery = Object.keys(request.query).length > 0;
  const hasPathParameters = Object.keys(request.pathParameters).length > 0;
  return {
    version: '2.0',
    routeKey: request.routeKey,
    rawPath: request.path,
    rawQueryString,
    headers: request.headers,
    ...(hasQuery ? { queryStringParameters: request.query } : {}),
    ...(hasPathParameters ? { pathParameters: request.pathParameters } : {}),
    requestContext: {
      accountId: '000000000000',
      apiId: 'fuzz',
      domainName: 'fuzz.example.test',
      domainPrefix: 'fuzz',
      http: {
        method: request.method,
        path: request.path,
        protocol: 'HTTP/1.1',
        sourceIp: '203.0.113.7',
        userAgent: request.headers['user-agent'] ?? '',
      },
      requestId: `fuzz-${now.getTime()}`,
      routeKey: request.routeKey,
      stage: '$default',
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
    ...(request.body.length > 0 ? { body: request.body.toString(request.base64 ? 'base64' : 'utf8') } : {}),
    isBase64Encoded: request.base64 && request.body.length > 0,
  };
}

/** A record with own properties only, even for names such as `__proto__` (as JSON.parse builds it). */
export function ownRecord(entries: Iterable<readonly [string, string]>): Record<string, string> {
  return Object.fromEntries(entries);
}

// ---------------------------------------------------------------------------------------------------
// Signatures, as each sender signs

const hexHmac = (key: string, data: Buffer) => createHmac('sha256', key).update(data).digest('hex');

export const sign = {
  meta: (body: Buffer) => `sha256=${hexHmac(fuzzSecrets.META_APP_SECRET, body)}`,
  linkedin: (body: Buffer) =>
    hexHmac(fuzzSecrets.LINKEDIN_CLIENT_SECRET, Buffer.concat([Buffer.from('hmacsha256='), body])),
  tiktok: (body: Buffer) =>
    `t=1714644422,s=${hexHmac(fuzzSecrets.TIKTOK_APP_SECRET, Buffer.concat([Buffer.from('1714644422.'), body]))}`,
  partner(body: Buffer, at = new Date()): Record<string, string> {
    const id = `msg_fuzz_${at.getTime()}`;
    const timestamp = String(Math.floor(at.getTime() / 1000));
    return {
      'webhook-id': id,
      'webhook-timestamp': timestamp,
      'webhook-signature': signStandardWebhook(fuzzSecrets.FZ_PARTNER_SIGNING, id, timestamp, body),
    };
  },
};

// ---------------------------------------------------------------------------------------------------
// Arbitraries: text, names, bodies per content type, headers

/** Values that have broken parsers before: specials of JSON, forms, SQS and Unicode. */
export const nastyStrings = [
  '',
  ' ',
  '\u00a0',
  '\ufeff',
  '\u2028',
  'Zoë',
  'Müller',
  '😀',
  '\uFFFF',
  '\uFFFE',
  '\u0000',
  '\u0001',
  '\uD800',
  '\uDC00x',
  'a\r\nb',
  '%',
  '%zz',
  '%E0%A4%A',
  '+',
  '&',
  '=',
  '"',
  '\\',
  '[]',
  '__proto__',
  'constructor',
  '{{first_name}}',
  '$utm.campaign',
  '9007199254740993',
] as const;

export const text = fc.oneof(
  { weight: 3, arbitrary: fc.string({ maxLength: 16 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 8 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 8 }) },
  { weight: 2, arbitrary: fc.constantFrom(...nastyStrings) },
  // lone surrogates: what `unit: 'binary'` never makes
  { weight: 1, arbitrary: fc.integer({ min: 0xd800, max: 0xdfff }).map((code) => String.fromCharCode(code)) },
);

export const prototypeKeys = [
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'valueOf',
  'hasOwnProperty',
  '__defineGetter__',
  'isPrototypeOf',
] as const;

export const fieldName = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.constantFrom(
      'first_name',
      'last_name',
      'name',
      'surname',
      'email',
      'phone',
      'company',
      'city',
      'country',
      'zip',
      'ref',
      'interests',
      'interests[]',
      '_gotcha',
      'utm_source',
      'utm_campaign',
      'gclid',
      'a.b',
      '',
    ),
  },
  { weight: 2, arbitrary: fc.constantFrom(...prototypeKeys, '__proto__[polluted]', 'constructor.prototype') },
  { weight: 2, arbitrary: text },
);

/** Percent-encodes any string's UTF-8 bytes (lone surrogates become U+FFFD, as a browser sends them). */
export function percentEncode(value: string, spaceAsPlus = false): string {
  let out = '';
  for (const byte of Buffer.from(value, 'utf8')) {
    const char = String.fromCharCode(byte);
    if (/[A-Za-z0-9*_.-]/.test(char)) out += char;
    else if (spaceAsPlus && byte === 0x20) out += '+';
    else out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** `arbitrary` about once in `outOf` draws, else `undefined`. */
export function rarely<T>(arbitrary: fc.Arbitrary<T>, outOf = 8): fc.Arbitrary<T | undefined> {
  return fc.oneof(
    { weight: outOf - 1, arbitrary: fc.constant(undefined) },
    { weight: 1, arbitrary: arbitrary as fc.Arbitrary<T | undefined> },
  );
}

export interface FuzzBody {
  kind: string;
  contentType: string | undefined;
  body: Buffer;
}

const URLENCODED = 'application/x-www-form-urlencoded';
const JSON_TYPE = 'application/json';

/** Bytes that are not UTF-8: a lone continuation, an overlong '/', an encoded surrogate, 0xFF. */
export const invalidUtf8 = fc.constantFrom(
  Buffer.from([0x80]),
  Buffer.from([0xc0, 0xaf]),
  Buffer.from([0xed, 0xa0, 0x80]),
  Buffer.from([0xff]),
  Buffer.from([0xc3]),
  Buffer.from([0xf4, 0x90, 0x80, 0x80]),
);

/** Inserts `bytes` at `position` (a fraction of the length) of `body`. */
function splice(body: Buffer, bytes: Buffer, position: number): Buffer {
  const at = Math.floor(body.length * position);
  return Buffer.concat([body.subarray(0, at), bytes, body.subarray(at)]);
}

const pairs = fc.array(fc.tuple(fieldName, text), { maxLength: 12 });

const urlencodedBody: fc.Arbitrary<FuzzBody> = fc
  .oneof(
    {
      weight: 4,
      arbitrary: pairs.map((list) =>
        list.map(([n, v]) => `${percentEncode(n)}=${percentEncode(v, true)}`).join('&'),
      ),
    },
    // raw text: unescaped `%`, `&`, `=` and anything else
    {
      weight: 2,
      arbitrary: fc
        .array(fc.oneof(text, fc.constantFrom('&', '=', '%', '&&', '=&=')), { maxLength: 12 })
        .map((parts) => parts.join('')),
    },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        'a',
        '=',
        '&',
        '&=&',
        'a=1&a=2&a[]=3',
        '%E0%A4%A=1',
        'a=%C3%28',
        '__proto__[x]=1&constructor[prototype][x]=1',
      ),
    },
  )
  .map((textBody) => ({ kind: 'urlencoded', contentType: URLENCODED, body: Buffer.from(textBody, 'utf8') }));

interface Part {
  name: string;
  value: string;
  filename?: string | undefined;
  contentType?: string | undefined;
}

/** A multipart/form-data body (CRLF line ends), names and file names quoted as browsers send them. */
export function multipartBody(boundary: string, parts: readonly Part[], close = true): Buffer {
  const chunks: Buffer[] = [];
  const quote = (value: string) => value.replace(/"/g, '%22').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
  for (const part of parts) {
    let head = `--${boundary}\r\nContent-Disposition: form-data; name="${quote(part.name)}"`;
    if (part.filename !== undefined) head += `; filename="${quote(part.filename)}"`;
    head += '\r\n';
    if (part.contentType !== undefined) head += `Content-Type: ${part.contentType}\r\n`;
    chunks.push(Buffer.from(`${head}\r\n`), Buffer.from(part.value), Buffer.from('\r\n'));
  }
  if (close) chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return Buffer.concat(chunks);
}

const boundary = fc.oneof(
  fc.constantFrom('----WebKitFormBoundary7MA4YWxkTrZu0gW', 'x', '--', 'a b'),
  fc.string({ minLength: 1, maxLength: 70, unit: fc.constantFrom(...'abcXYZ019-_'.split('')) }),
);
const part: fc.Arbitrary<Part> = fc.record(
  {
    name: fieldName,
    value: text,
    filename: fc.oneof(fc.constant(undefined), fc.constantFrom('cv.pdf', '', '../../etc/passwd', 'é.txt')),
    contentType: fc.oneof(
      fc.constant(undefined),
      fc.constantFrom(
        'text/plain; charset=latin1',
        'text/plain; charset=utf-16le',
        'text/plain; charset=x-nope',
        'application/pdf',
      ),
    ),
  },
  { requiredKeys: ['name', 'value'] },
);

const multipartFuzzBody: fc.Arbitrary<FuzzBody> = fc
  .record({
    boundary,
    parts: fc.array(part, { maxLength: 8 }),
    close: fc.boolean(),
    cut: rarely(fc.double({ min: 0, max: 1, noNaN: true }), 5),
    declared: fc.oneof(
      { weight: 6, arbitrary: fc.constant('same') },
      { weight: 1, arbitrary: fc.constantFrom('none', 'other', 'quoted', 'empty') },
    ),
  })
  .map(({ boundary: b, parts: list, close, cut, declared }) => {
    let body = multipartBody(b, list, close);
    if (cut !== undefined) body = body.subarray(0, Math.floor(body.length * cut));
    const param =
      declared === 'same'
        ? `; boundary=${b}`
        : declared === 'quoted'
          ? `; boundary="${b}"`
          : declared === 'other'
            ? '; boundary=not-the-boundary'
            : declared === 'empty'
              ? '; boundary='
              : '';
    return { kind: 'multipart', contentType: `multipart/form-data${param}`, body };
  });

/** JSON leaves and values, including numbers JSON.parse would round and prototype keys. */
const jsonLeaf = fc.oneof(
  text,
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.constantFrom('12345678901234567890123', '1e400', '-0', '1e-400').map((raw) => ({ raw })),
);
type JsonLike = string | number | boolean | null | { raw: string } | JsonLike[] | { [key: string]: JsonLike };

/** Writes JSON text; `{raw}` leaves are written verbatim (numbers JSON.stringify cannot produce). */
export function jsonText(value: unknown): string {
  if (value !== null && typeof value === 'object' && !Array.isArray(value) && 'raw' in value) {
    return String((value as { raw: unknown }).raw);
  }
  if (Array.isArray(value)) return `[${value.map(jsonText).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    return `{${Object.entries(value)
      .map(([key, item]) => `${JSON.stringify(key)}:${jsonText(item)}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

const jsonValue: fc.Arbitrary<JsonLike> = fc.letrec<{ value: JsonLike }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    jsonLeaf,
    fc.array(tie('value'), { maxLength: 5 }),
    fc.dictionary(fieldName, tie('value'), { maxKeys: 6 }),
  ),
})).value;

/** A nested document `depth` levels deep, of objects or of arrays. */
export function deepJson(depth: number, shape: 'object' | 'array'): string {
  return shape === 'object'
    ? `${'{"a":'.repeat(depth)}"x"${'}'.repeat(depth)}`
    : `{"a":${'['.repeat(depth)}"x"${']'.repeat(depth)}}`;
}

const jsonBody: fc.Arbitrary<FuzzBody> = fc
  .oneof(
    { weight: 4, arbitrary: fc.dictionary(fieldName, jsonValue, { maxKeys: 10 }).map(jsonText) },
    { weight: 2, arbitrary: jsonValue.map(jsonText) },
    {
      weight: 1,
      arbitrary: fc
        .tuple(
          fc.integer({ min: 1, max: 4000 }),
          fc.constantFrom('object', 'array') as fc.Arbitrary<'object' | 'array'>,
        )
        .map(([depth, shape]) => deepJson(depth, shape)),
    },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        '{"__proto__":{"polluted":"yes"},"first_name":"Zoë"}',
        '{"constructor":{"prototype":{"polluted":"yes"}},"last_name":"Müller"}',
        '{"a":1,"a":2}',
        '{"a":[1,[2]]}',
        '{"a":{}}',
        '[]',
        '"text"',
        'null',
        '{',
        '',
        '  ',
        '\ufeff{"a":"1"}',
      ),
    },
  )
  .map((textBody) => ({ kind: 'json', contentType: JSON_TYPE, body: Buffer.from(textBody, 'utf8') }));

const wrongBody: fc.Arbitrary<FuzzBody> = fc.oneof(
  fc
    .uint8Array({ maxLength: 256 })
    .map((bytes) => ({ kind: 'bytes', contentType: undefined, body: Buffer.from(bytes) })),
  fc
    .tuple(fc.constantFrom('text/plain', 'application/xml', 'image/png', 'application/octet-stream'), text)
    .map(([contentType, value]) => ({ kind: 'wrong-type', contentType, body: Buffer.from(value) })),
);

/** `count` fields `f<i>=v`: around and over the field limit. */
const manyFields: fc.Arbitrary<FuzzBody> = fc
  .tuple(fc.integer({ min: 490, max: 620 }), fc.constantFrom('urlencoded', 'json', 'repeated'))
  .map(([count, style]) => {
    const names = Array.from({ length: count }, (_, index) =>
      style === 'repeated' ? 'interests' : `f${index}`,
    );
    if (style === 'json') {
      const body = `{${names.map((name, index) => `"${name}":"v${index}"`).join(',')}}`;
      return { kind: 'many-fields', contentType: JSON_TYPE, body: Buffer.from(body) };
    }
    const body = names.map((name, index) => `${name}=v${index}`).join('&');
    return { kind: 'many-fields', contentType: URLENCODED, body: Buffer.from(body) };
  });

/**
 * Bodies around the size limits: a value around the field-length limit, or a whole body just under
 * or over 256 KiB, its filler plain or made of characters that JSON escapes or SQS refuses.
 */
const largeBody: fc.Arbitrary<FuzzBody> = fc
  .tuple(
    fc.constantFrom('value', 'body'),
    fc.integer({ min: -3000, max: 50 }),
    fc.constantFrom('x', '%22', '%01', '%C3%A9', '%EF%BF%BF'),
    fc.constantFrom('urlencoded', 'json'),
  )
  .map(([what, delta, filler, style]) => {
    const unit = filler.length;
    const decoded =
      { x: 'x', '%22': '"', '%01': '\u0001', '%C3%A9': 'é', '%EF%BF%BF': '\uFFFF' }[filler] ?? 'x';
    if (what === 'value') {
      const count = 65_536 + Math.max(-2, Math.min(2, delta));
      const value = decoded.repeat(count);
      const body =
        style === 'json'
          ? JSON.stringify({ first_name: 'Zoë', message: value })
          : `first_name=Zo%C3%AB&message=${filler.repeat(count)}`;
      return {
        kind: 'large-value',
        contentType: style === 'json' ? JSON_TYPE : URLENCODED,
        body: Buffer.from(body),
      };
    }
    const target = 256 * 1024 + delta;
    if (style === 'json') {
      const head = '{"first_name":"Zoë","message":"';
      const escaped = JSON.stringify(decoded).slice(1, -1);
      const count = Math.max(
        0,
        Math.floor((target - Buffer.byteLength(head) - 2) / Buffer.byteLength(escaped)),
      );
      return {
        kind: 'large-body',
        contentType: JSON_TYPE,
        body: Buffer.from(`${head}${escaped.repeat(count)}"}`),
      };
    }
    const head = 'first_name=Zo%C3%AB&message=';
    const count = Math.max(0, Math.floor((target - head.length) / unit));
    return { kind: 'large-body', contentType: URLENCODED, body: Buffer.from(head + filler.repeat(count)) };
  });

// ---------------------------------------------------------------------------------------------------
// Channel-shaped payloads: deep enough into each parser to reach normalising and enqueueing

const idLike = fc.oneof(
  fc.constantFrom(fuzzIds.page, fuzzIds.form, fuzzIds.advertiser, fuzzIds.linkedinForm, '12021234567890123'),
  fc.bigInt({ min: 0n, max: 2n ** 70n }).map((value) => ({ raw: value.toString() })),
  fc.integer(),
  text,
  fc.constant(null),
);

const googleLead = fc
  .record(
    {
      lead_id: idLike,
      google_key: fc.oneof(
        { weight: 6, arbitrary: fc.constant(fuzzSecrets.FZ_GOOGLE_KEY) },
        { weight: 1, arbitrary: jsonLeaf },
      ),
      user_column_data: fc.oneof(
        {
          weight: 6,
          arbitrary: fc.array(
            fc.record(
              {
                column_id: fc.oneof(fc.constantFrom('FULL_NAME', 'EMAIL', 'PHONE_NUMBER'), text),
                column_name: text,
                string_value: jsonLeaf,
              },
              { requiredKeys: [] },
            ),
            { maxLength: 8 },
          ),
        },
        { weight: 1, arbitrary: jsonValue },
      ),
      campaign_id: idLike,
      form_id: idLike,
      gcl_id: text,
      is_test: fc.oneof(fc.boolean(), fc.constant('true'), jsonLeaf),
      api_version: fc.constant('1.0'),
      lead_submit_time: text,
    },
    { requiredKeys: ['google_key'] },
  )
  .map(jsonText);

const metaNotification = fc
  .record(
    {
      object: fc.constantFrom('page', 'user', 'x'),
      entry: fc.oneof(
        {
          weight: 6,
          arbitrary: fc.array(
            fc.record(
              {
                id: idLike,
                time: fc.integer(),
                changes: fc.array(
                  fc.record(
                    {
                      field: fc.oneof(fc.constant('leadgen'), text),
                      value: fc.oneof(
                        fc.record(
                          {
                            leadgen_id: idLike,
                            page_id: idLike,
                            form_id: idLike,
                            ad_id: idLike,
                            adgroup_id: idLike,
                            created_time: fc.oneof(
                              fc.integer(),
                              fc.double(),
                              text,
                              fc.constant({ raw: '1e400' }),
                            ),
                          },
                          { requiredKeys: [] },
                        ),
                        jsonLeaf,
                      ),
                    },
                    { requiredKeys: [] },
                  ),
                  { maxLength: 6 },
                ),
              },
              { requiredKeys: [] },
            ),
            { maxLength: 4 },
          ),
        },
        { weight: 1, arbitrary: jsonValue },
      ),
    },
    { requiredKeys: [] },
  )
  .map(jsonText);

const linkedinNotification = fc
  .record(
    {
      type: fc.oneof(
        { weight: 6, arbitrary: fc.constant('LEAD_ACTION') },
        { weight: 1, arbitrary: jsonLeaf },
      ),
      leadGenFormResponse: fc.oneof(
        fc.constantFrom(
          'urn:li:leadFormResponse:a9a29e52-c0a3-42e3-8af1-2fc83b697003-4',
          'urn:li:leadFormResponse:1',
        ),
        text.map((value) => `urn:li:leadFormResponse:${value}`),
        jsonLeaf,
      ),
      leadGenForm: fc.oneof(
        fc.constantFrom(
          `urn:li:leadGenForm:${fuzzIds.linkedinForm}`,
          `urn:li:versionedLeadGenForm:(urn:li:leadGenForm:${fuzzIds.linkedinForm},3)`,
        ),
        text,
      ),
      leadAction: fc.oneof(fc.constantFrom('CREATED', 'DELETED'), text),
      owner: fc.oneof(fc.constant({ sponsoredAccount: 'urn:li:sponsoredAccount:1' }), jsonLeaf),
      leadType: fc.constantFrom('SPONSORED', 'ORGANIZATION_PRODUCT'),
      occurredAt: fc.oneof(fc.integer(), fc.constant({ raw: '99999999999999999999' }), jsonLeaf),
    },
    { requiredKeys: ['type'] },
  )
  .map(jsonText);

const tiktokNotification = fc
  .record(
    {
      object: fc.constant(1),
      entry: fc.oneof(
        {
          weight: 6,
          arbitrary: fc.array(
            fc.record(
              {
                id: idLike,
                advertiser_id: idLike,
                page_id: idLike,
                campaign_id: idLike,
                create_time: fc.integer(),
                changes: fc.oneof(
                  fc.array(
                    fc.record(
                      { field: fieldName, value: fc.oneof(jsonLeaf, fc.array(jsonLeaf, { maxLength: 3 })) },
                      { requiredKeys: [] },
                    ),
                    { maxLength: 8 },
                  ),
                  jsonLeaf,
                ),
              },
              { requiredKeys: [] },
            ),
            { maxLength: 4 },
          ),
        },
        { weight: 1, arbitrary: jsonValue },
      ),
    },
    { requiredKeys: [] },
  )
  .map(jsonText);

const partnerLead = fc.dictionary(fieldName, jsonValue, { maxKeys: 8 });
const partnerPayload = fc
  .oneof(
    { weight: 3, arbitrary: partnerLead },
    {
      weight: 2,
      arbitrary: fc.array(
        fc.oneof({ weight: 5, arbitrary: partnerLead }, { weight: 1, arbitrary: jsonLeaf }),
        { maxLength: 7 },
      ),
    },
  )
  .map(jsonText);

const shaped: Partial<Record<RouteName, fc.Arbitrary<string>>> = {
  'google-ads': googleLead,
  meta: metaNotification,
  linkedin: linkedinNotification,
  tiktok: tiktokNotification,
  partner: partnerPayload,
};

/** A body for `route`: its sender's payload shape (often), or any content type, size or bytes. */
export function fuzzBody(route: RouteName): fc.Arbitrary<FuzzBody> {
  const own = shaped[route];
  const general: fc.WeightedArbitrary<FuzzBody>[] = [
    { weight: 4, arbitrary: urlencodedBody },
    { weight: 3, arbitrary: multipartFuzzBody },
    { weight: 4, arbitrary: jsonBody },
    { weight: 2, arbitrary: wrongBody },
    { weight: 1, arbitrary: manyFields },
    { weight: 1, arbitrary: largeBody },
  ];
  const withOwn = own
    ? [
        ...general,
        {
          weight: 12,
          arbitrary: own.map(
            (body): FuzzBody => ({
              kind: `${route}-payload`,
              contentType: JSON_TYPE,
              body: Buffer.from(body),
            }),
          ),
        },
      ]
    : general;
  return fc
    .tuple(
      fc.oneof(...withOwn),
      rarely(fc.tuple(invalidUtf8, fc.double({ min: 0, max: 1, noNaN: true }))),
      rarely(
        fc.oneof(
          fc.constantFrom(
            'APPLICATION/JSON',
            'application/json; charset=utf-8',
            '',
            'multipart/form-data',
            'application/x-www-form-urlencoded;charset=ISO-8859-1',
          ),
          text,
        ),
      ),
    )
    .map(([generated, broken, contentType]) => ({
      kind:
        generated.kind + (broken ? '+invalid-utf8' : '') + (contentType !== undefined ? '+content-type' : ''),
      contentType: contentType ?? generated.contentType,
      body: broken ? splice(generated.body, broken[0], broken[1]) : generated.body,
    }));
}

const headerName = fc.oneof(
  fc.constantFrom(...prototypeKeys, 'Content-Type', 'ORIGIN', 'x-forwarded-for', 'content-length', 'cookie'),
  fc.string({ minLength: 1, maxLength: 12, unit: fc.constantFrom(...'abcdefxyz-_'.split('')) }),
);
const headerValue = fc.oneof(text, fc.constantFrom('application/json', FORM_ORIGIN, 'null', '0', '-1'));

/** How the sender authenticates: correctly (mostly), wrongly, or not at all. */
export type AuthMode = 'valid' | 'wrong' | 'garbage' | 'missing' | 'api-key' | 'both';
export const authMode: fc.Arbitrary<AuthMode> = fc.oneof(
  { weight: 8, arbitrary: fc.constant('valid' as const) },
  { weight: 2, arbitrary: fc.constantFrom('wrong', 'garbage', 'missing', 'api-key', 'both') },
);

/** The authentication headers of a request to `route` with `body`. */
export function authHeaders(
  route: RouteName,
  body: Buffer,
  mode: AuthMode,
  garbage: string,
): Record<string, string> {
  if (mode === 'missing') return {};
  const wrong = Buffer.concat([body, Buffer.from(' ')]);
  switch (route) {
    case 'meta':
      return {
        'x-hub-signature-256': mode === 'garbage' ? garbage : sign.meta(mode === 'wrong' ? wrong : body),
      };
    case 'linkedin':
      return {
        'x-li-signature': mode === 'garbage' ? garbage : sign.linkedin(mode === 'wrong' ? wrong : body),
      };
    case 'tiktok':
      return {
        'tiktok-signature': mode === 'garbage' ? garbage : sign.tiktok(mode === 'wrong' ? wrong : body),
      };
    case 'partner': {
      const key = { 'x-api-key': fuzzSecrets.FZ_PARTNER_KEY };
      if (mode === 'api-key') return key;
      if (mode === 'both') return { ...key, ...sign.partner(body) };
      if (mode === 'garbage')
        return { 'webhook-id': garbage, 'webhook-timestamp': garbage, 'webhook-signature': garbage };
      return mode === 'wrong' ? { 'x-api-key': `${fuzzSecrets.FZ_PARTNER_KEY}x` } : sign.partner(body);
    }
    default:
      return {};
  }
}

const origin = fc.oneof(
  { weight: 6, arbitrary: fc.constant(FORM_ORIGIN) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      'http://localhost:8080',
      'https://evil.example',
      'null',
      '',
      'HTTPS://WWW.EXAMPLE.TEST',
    ),
  },
  { weight: 1, arbitrary: text },
);

const queryFor = (route: RouteName) => {
  const common = fc.dictionary(
    fc.oneof(fc.constantFrom('utm_source', 'utm_campaign', 'gclid', ...prototypeKeys), text),
    text,
    { maxKeys: 4 },
  );
  if (route === 'meta-verify') {
    return fc
      .tuple(
        common,
        fc.record(
          {
            'hub.mode': fc.oneof(fc.constant('subscribe'), text),
            'hub.verify_token': fc.oneof(
              { weight: 4, arbitrary: fc.constant(fuzzSecrets.META_VERIFY_TOKEN) },
              { weight: 1, arbitrary: text },
            ),
            'hub.challenge': fc.oneof(text, fc.string({ minLength: 250, maxLength: 260 })),
          },
          { requiredKeys: [] },
        ),
      )
      .map(([a, b]) => ({ ...a, ...b }));
  }
  if (route === 'linkedin-verify') {
    return fc
      .tuple(
        common,
        fc.record(
          {
            challengeCode: fc.oneof(
              fc.uuid({ version: 4 }),
              fc.uuid({ version: 4 }).map((uuid) => uuid.toUpperCase()),
              fc.uuid(),
              text,
              fc.string({ minLength: 250, maxLength: 260 }),
            ),
          },
          { requiredKeys: [] },
        ),
      )
      .map(([a, b]) => ({ ...a, ...b }));
  }
  return common;
};

const unknownRoute = fc.oneof(
  fc.constantFrom('POST /v2/forms/{sourceId}', 'DELETE /health', '$default', 'GET /', ''),
  text,
);

/** The sourceId path parameter: the route's own sources mostly, else another channel's, or made up. */
const sourceIdFor = (spec: RouteSpec) =>
  fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(...(spec.sourceIds ?? ['x'])) },
    { weight: 1, arbitrary: fc.constantFrom(...Object.keys(fuzzSourceFiles), 'demo-contact', '_unrouted') },
    {
      weight: 1,
      arbitrary: fc.oneof(
        fc.constantFrom(...prototypeKeys),
        text,
        fc.string({ minLength: 300, maxLength: 400 }),
      ),
    },
  );

/** A request to `route` with a fuzzed body, headers, query and authentication. */
export function fuzzRequest(route: RouteName): fc.Arbitrary<FuzzRequest> {
  const spec = route === 'unknown' ? undefined : contractRoutes[route];
  return fc
    .record({
      sourceId: spec?.sourceIds ? sourceIdFor(spec) : fc.constant(undefined),
      routeKey: spec ? fc.constant(spec.routeKey) : unknownRoute,
      body: fuzzBody(route),
      auth: authMode,
      garbage: text,
      origin: fc.option(origin, { freq: 6, nil: undefined }),
      referer: rarely(
        fc.oneof(fc.constant(`${FORM_ORIGIN}/contact?utm_source=ads&utm_campaign=spring`), text),
        2,
      ),
      accept: rarely(fc.constantFrom('application/json', 'text/html', '*/*'), 2),
      idempotencyKey: rarely(
        fc.oneof(fc.constantFrom('key-1', ''), text, fc.string({ minLength: 255, maxLength: 257 })),
        4,
      ),
      extraHeaders: fc.array(fc.tuple(headerName, headerValue), { maxLength: 4 }),
      query: queryFor(route),
      base64: fc.boolean(),
    })
    .map((drawn): FuzzRequest => {
      const method = spec?.method ?? drawn.routeKey.split(' ')[0] ?? 'POST';
      const pathParameters: Record<string, string> =
        drawn.sourceId === undefined ? {} : { sourceId: drawn.sourceId };
      const headers = ownRecord([
        ...drawn.extraHeaders,
        ...(drawn.body.contentType !== undefined ? [['content-type', drawn.body.contentType] as const] : []),
        ...(drawn.origin !== undefined ? [['origin', drawn.origin] as const] : []),
        ...(drawn.referer !== undefined ? [['referer', drawn.referer] as const] : []),
        ...(drawn.accept !== undefined ? [['accept', drawn.accept] as const] : []),
        ...(drawn.idempotencyKey !== undefined ? [['idempotency-key', drawn.idempotencyKey] as const] : []),
        ...Object.entries(authHeaders(route, drawn.body.body, drawn.auth, drawn.garbage)),
      ]);
      return {
        route,
        method,
        routeKey: drawn.routeKey,
        path: spec ? spec.path(drawn.sourceId ?? '') : '/v1/unknown',
        pathParameters,
        headers,
        query: ownRecord(Object.entries(drawn.query)),
        body: drawn.body.body,
        // invalid UTF-8 survives only base64: API Gateway sends such bodies base64-encoded
        base64: drawn.base64 || !isUtf8(drawn.body.body),
      };
    });
}

function isUtf8(bytes: Buffer): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return true;
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------------------------------------------
// The contract check

/** What each route may answer besides a rejection. */
const successStatuses: Record<RouteName, readonly number[]> = {
  health: [200],
  form: [202, 303],
  'form-preflight': [204],
  partner: [202],
  'google-ads': [200],
  'meta-verify': [200],
  meta: [200],
  'linkedin-verify': [200],
  linkedin: [200, 202],
  tiktok: [200],
  unknown: [],
};
/** Rejections the HTTP contract lists for bad input (5xx are only for our own trouble). */
const rejectionStatuses = [400, 401, 403, 404, 405, 413, 415, 422, 429];

/** Signs of a stack trace or of internals in an answer. */
const internals = /\n\s+at [^\n]*:\d+:\d+|node:internal|\/node_modules\/|\.ts:\d+:\d+/;

function parseJsonBody(result: HttpResult): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(String(result.body)) };
  } catch {
    return { ok: false };
  }
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

/**
 * Every way `result` breaks the HTTP contract for `request` (empty: it keeps it). `queued` are the
 * envelopes this one request put on the queue.
 */
export function contractProblems(
  request: FuzzRequest,
  result: unknown,
  queued: readonly Envelope[],
): string[] {
  const problems: string[] = [];
  if (!isRecord(result) || typeof result.statusCode !== 'number')
    return [`not an HTTP result: ${String(result)}`];
  const answer = result as unknown as HttpResult;
  const status = answer.statusCode;
  const body = typeof answer.body === 'string' ? answer.body : '';
  if (status >= 500) problems.push(`${status} for bad input: ${body.slice(0, 300)}`);
  for (const [name, value] of Object.entries(answer.headers ?? {})) {
    if (typeof value !== 'string') problems.push(`header ${name} is not a string`);
  }
  if (answer.isBase64Encoded) problems.push('answer is base64-encoded');
  const leaked = internals.exec(body)?.[0];
  const echoed = [
    request.pathParameters.sourceId ?? '',
    ...Object.values(request.query),
    request.body.toString('utf8'),
  ];
  if (leaked !== undefined && !echoed.some((input) => input.includes(leaked))) {
    problems.push(`answer shows internals: ${body.slice(0, 300)}`);
  }
  for (const envelope of queued) {
    const checked = envelopeSchema.safeParse(JSON.parse(JSON.stringify(envelope)));
    if (!checked.success) problems.push(`queued an invalid envelope: ${checked.error.issues[0]?.message}`);
  }

  if (status >= 400 && status < 500) {
    if (!rejectionStatuses.includes(status)) problems.push(`unexpected rejection status ${status}`);
    const parsed = parseJsonBody(answer);
    if (!parsed.ok) return [...problems, `rejection is not JSON: ${body.slice(0, 200)}`];
    const value = parsed.value;
    if (request.route === 'google-ads') {
      // Google's own format: {"message": "..."}
      if (!isRecord(value) || typeof value.message !== 'string' || Object.keys(value).length !== 1) {
        problems.push(`google-ads rejection is not {"message"}: ${body.slice(0, 200)}`);
      }
    } else if (
      request.route === 'partner' &&
      status === 422 &&
      isRecord(value) &&
      Array.isArray(value.results)
    ) {
      if (value.results.some((item) => isRecord(item) && item.status === 'queued')) {
        problems.push('422 batch answer lists a queued lead');
      }
    } else {
      const error = isRecord(value) ? value.error : undefined;
      if (!isRecord(error) || typeof error.code !== 'string' || !/^[a-z][a-z0-9_]*$/.test(error.code)) {
        problems.push(`rejection has no {"error":{"code"}}: ${body.slice(0, 200)}`);
      } else {
        if (typeof error.message !== 'string' || error.message === '')
          problems.push('rejection has no message');
        const extra = Object.keys(error).filter((key) => !['code', 'message', 'fields'].includes(key));
        if (extra.length > 0) problems.push(`rejection has extra keys ${extra.join(', ')}`);
        if (error.fields !== undefined && (status !== 422 || !isRecord(error.fields))) {
          problems.push('fields outside a 422');
        }
      }
    }
    if (queued.length > 0) problems.push(`${status} rejection but ${queued.length} lead(s) queued`);
    return problems;
  }

  if (!successStatuses[request.route].includes(status)) {
    problems.push(`unexpected status ${status} for ${request.route}: ${body.slice(0, 200)}`);
    return problems;
  }
  const parsed =
    status === 303 || status === 204 || request.route === 'meta-verify' ? undefined : parseJsonBody(answer);
  const value = parsed?.ok ? parsed.value : undefined;
  if (parsed && !parsed.ok) return [...problems, `success answer is not JSON: ${body.slice(0, 200)}`];
  const ids = new Set(queued.map((envelope) => envelope.id));
  switch (request.route) {
    case 'health':
      if (!isRecord(value) || value.status !== 'ok') problems.push('health is not {"status":"ok"}');
      break;
    case 'form':
      if (status === 303 && !answer.headers.location) problems.push('303 without Location');
      if (status === 202) {
        if (!isRecord(value) || value.status !== 'queued' || typeof value.id !== 'string')
          problems.push('202 is not {id,status}');
        else if (!ids.has(value.id) && request.pathParameters.sourceId !== 'fz-form') {
          problems.push('202 for a lead that was not queued');
        }
      }
      break;
    case 'partner':
      if (isRecord(value) && Array.isArray(value.results)) {
        for (const item of value.results) {
          if (isRecord(item) && item.status === 'queued' && !ids.has(String(item.id)))
            problems.push('batch lists an unqueued lead');
        }
      } else if (!isRecord(value) || value.status !== 'queued' || !ids.has(String(value.id))) {
        problems.push('202 is not {id,status} of a queued lead');
      }
      break;
    case 'google-ads':
    case 'tiktok':
      if (!isRecord(value) || Object.keys(value).length !== 0)
        problems.push(`${request.route} success is not {}`);
      break;
    case 'meta':
      if (!isRecord(value) || value.received !== queued.length) problems.push('meta received ≠ leads queued');
      break;
    case 'meta-verify':
      if (body !== request.query['hub.challenge'])
        problems.push('meta verification does not echo hub.challenge');
      break;
    case 'linkedin-verify':
      if (!isRecord(value) || typeof value.challengeResponse !== 'string')
        problems.push('linkedin validation has no challengeResponse');
      if (
        !/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i.test(
          request.query.challengeCode ?? '',
        )
      )
        problems.push('linkedin validation signed something other than a type-4 UUID');
      break;
    case 'linkedin':
      if (status === 202 && (!isRecord(value) || !ids.has(String(value.id))))
        problems.push('linkedin 202 for an unqueued lead');
      break;
    default:
      break;
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------------
// Crash and hang detection

/** Collects unhandled rejections and uncaught exceptions while a property runs. */
export function watchCrashes() {
  const errors: unknown[] = [];
  const record = (error: unknown) => {
    errors.push(error);
  };
  process.on('unhandledRejection', record);
  process.on('uncaughtException', record);
  return {
    errors,
    stop() {
      process.off('unhandledRejection', record);
      process.off('uncaughtException', record);
    },
  };
}

/** Resolves like `promise`, or rejects when it has not settled within `ms` (a hung request). */
export async function within<T>(ms: number, promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not settle within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** A short, printable description of a request for a counterexample. */
export function describeRequest(request: FuzzRequest): string {
  const body =
    request.body.length > 300
      ? `${request.body.subarray(0, 300).toString('utf8')}… (${request.body.length} bytes)`
      : request.body.toString('utf8');
  return JSON.stringify({ ...request, body });
}

// ---------------------------------------------------------------------------------------------------
// Log lines

/** A structured log line as Powertools Logger writes it (one JSON object per line). */
export type LogLine = Record<string, unknown> & { level: string; message: string };

/**
 * Takes over `process.stdout` and `process.stderr` writes (where Powertools Logger's console writes)
 * and hands every structured log line to `onLine` instead of printing it; other output passes
 * through. `restore()` puts the streams back.
 */
export function interceptLogLines(onLine: (line: LogLine) => void) {
  const streams = [process.stdout, process.stderr];
  const originals = streams.map((stream) => stream.write);
  streams.forEach((stream, index) => {
    const original = originals[index] as typeof stream.write;
    stream.write = ((chunk: unknown, ...rest: unknown[]) => {
      const textChunk =
        typeof chunk === 'string' ? chunk : Buffer.isBuffer(chunk) ? chunk.toString('utf8') : undefined;
      const lines = textChunk?.split('\n').filter((line) => line.trim() !== '') ?? [];
      const parsed = lines.map(parseLogLine);
      if (parsed.length > 0 && parsed.every((line) => line !== undefined)) {
        for (const line of parsed) onLine(line as LogLine);
        const callback = rest.find((item) => typeof item === 'function') as (() => void) | undefined;
        callback?.();
        return true;
      }
      return (original as (...args: unknown[]) => boolean).call(stream, chunk, ...rest);
    }) as typeof stream.write;
  });
  return {
    restore() {
      streams.forEach((stream, index) => {
        stream.write = originals[index] as typeof stream.write;
      });
    },
  };
}

/**
 * For a test file: the fuzz capture handler (`fuzzCapture`) with its log lines intercepted, built
 * before the file's tests and torn down after them, putting back `previousLogLevel` (the
 * `POWERTOOLS_LOG_LEVEL` the file replaced in a `vi.hoisted` block, before the logger was built).
 * `recordLogs()` starts a fresh record of the lines written from then on and returns it.
 *
 * @example
 * const harness = fuzzCaptureWithLogs(previousLogLevel);
 * const lines = harness.recordLogs();
 * await harness.capture.invoke(apiEvent(request));
 */
export function fuzzCaptureWithLogs(previousLogLevel: string | undefined) {
  let capture: ReturnType<typeof fuzzCapture> | undefined;
  let interception: ReturnType<typeof interceptLogLines> | undefined;
  let lines: LogLine[] = [];
  beforeAll(() => {
    capture = fuzzCapture();
    interception = interceptLogLines((line) => lines.push(line));
  });
  afterAll(() => {
    interception?.restore();
    capture?.cleanup();
    if (previousLogLevel === undefined) delete process.env.POWERTOOLS_LOG_LEVEL;
    else process.env.POWERTOOLS_LOG_LEVEL = previousLogLevel;
  });
  return {
    get capture() {
      if (!capture) throw new Error('fuzzCaptureWithLogs: use the handler inside a test');
      return capture;
    },
    recordLogs(): LogLine[] {
      lines = [];
      return lines;
    },
  };
}

/** The log line in `text`, or undefined when it is not a Powertools JSON line. */
export function parseLogLine(text: string): LogLine | undefined {
  if (!text.trimStart().startsWith('{')) return undefined;
  try {
    const value: unknown = JSON.parse(text);
    return isRecord(value) && typeof value.level === 'string' && typeof value.message === 'string'
      ? (value as LogLine)
      : undefined;
  } catch {
    return undefined;
  }
}
