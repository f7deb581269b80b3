/**
 * The Onpipeline sandbox: a local test double of the Onpipeline resources leadgate calls
 * (`POST /Leadsin`, `POST /ListCustomFields`, `POST /FieldAdd`, `POST /FieldDelete`), faithful to the
 * REST API reference (answers, error shape, status codes), with injectable faults and a control API
 * under `/_sandbox/`. Onpipeline has no sandbox of its own. It binds 127.0.0.1 only and never logs.
 * Every request goes through `foreignRequestRefusal` (`local/loopback.ts`): a foreign `Host` (DNS
 * rebinding) or a cross-site request is answered 403 `{"error":{"code":"host_not_allowed"|"cross_site_request"}}` first.
 *
 * Routes:
 * - `POST /Leadsin`, `POST /ListCustomFields`, `POST /FieldAdd`, `POST /FieldDelete`: the API (token
 *   in `Authorization`, no scheme). Custom fields added or deleted live until the sandbox stops.
 *   Any other method or path outside `/` and `/_sandbox/` answers 404 "Resource not found".
 * - `GET /_sandbox/leads` (JSON, oldest first: the newest `SANDBOX_MEMORY_LEADS`, 10,000, held in
 *   memory; the data file keeps every one), `DELETE /_sandbox/leads` (204, clears),
 *   `GET|PUT /_sandbox/faults`, `GET /_sandbox/stats`: the control API, no auth.
 * - `GET /`: an HTML page of the received leads, newest first.
 *
 * Run it alone with `npx node local/sandbox/server.ts` (`SANDBOX_PORT`, `SANDBOX_TOKEN` and
 * `SANDBOX_DATA_FILE` override the defaults).
 */

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { foreignRequestRefusal, listenOnLoopback } from '#local/loopback.ts';
import { normalizeIp, onpipelineTime, sendError, sendJson } from '#local/sandbox/answers.ts';
import { CustomFieldStore, resolveCustomFields } from '#local/sandbox/custom-fields.ts';
import { FaultInjector, type FaultKind, parseFaults, type SandboxFaults } from '#local/sandbox/faults.ts';
import { pageContentSecurityPolicy, renderLeadsPage } from '#local/sandbox/page.ts';
import { LeadStore, type ReceivedLead } from '#local/sandbox/store.ts';
import { describeIssues } from '#local/sandbox/validation.ts';
import {
  type CustomField,
  type CustomFieldTable,
  customFieldTables,
  type LeadsinBody,
  leadsinBodySchema,
} from '#shared/onpipeline/schema.ts';

export { defaultCustomFields } from '#local/sandbox/custom-fields.ts';
export type { FaultKind, SandboxFaults } from '#local/sandbox/faults.ts';
export type { ReceivedLead } from '#local/sandbox/store.ts';

/** The token the sandbox accepts when none is configured. */
export const SANDBOX_TOKEN = 'sandbox-token';

/** The port the sandbox listens on when none is given. */
export const SANDBOX_DEFAULT_PORT = 3001;

/** Request bodies larger than this (1 MB) are answered 406 without being buffered. */
export const SANDBOX_BODY_LIMIT = 1024 * 1024;

/** How to start a sandbox; every setting is optional. */
export interface SandboxOptions {
  /** Port to listen on; default 3001, 0 lets the OS choose. The host is always 127.0.0.1. */
  port?: number;
  /** The valid `Authorization` token; default {@link SANDBOX_TOKEN}. */
  token?: string;
  /** JSON-lines file the received leads are appended to and reloaded from on start. */
  dataFile?: string;
  /** Custom fields per table; a table not given keeps the default set ({@link defaultCustomFields}). */
  customFields?: Partial<Record<CustomFieldTable, CustomField[]>>;
  /** Faults to inject into `Leadsin` requests. */
  faults?: SandboxFaults;
  /** When set, API calls from any other client IP are answered 403 "Invalid IP". */
  allowedIps?: string[];
}

/** What the sandbox counted since it started. */
export interface SandboxStats {
  /** API requests (everything but `GET /` and `/_sandbox/*`), whatever their answer. */
  requests: number;
  /** API requests by path, e.g. `{ "/Leadsin": 3, "/ListCustomFields": 1 }`. */
  byEndpoint: Record<string, number>;
  /** Faults injected, by kind. */
  faultsInjected: Record<string, number>;
}

/** A running sandbox. */
export interface Sandbox {
  /** Base URL, e.g. `http://127.0.0.1:3001`; Onpipeline resources are `${url}/Leadsin` etc. */
  url: string;
  /** The port actually bound. */
  port: number;
  /** The leads received, oldest first (a copy). */
  leads(): ReceivedLead[];
  /** Forgets every lead and truncates the data file. */
  clear(): Promise<void>;
  /** Replaces the faults in force; throws a `TypeError` on an invalid setting. */
  setFaults(faults: SandboxFaults): void;
  /** Request and fault counters. */
  stats(): SandboxStats;
  /** Closes the server and every open (keep-alive) socket, cancelling slow answers. */
  stop(): Promise<void>;
}

interface Body {
  text: string;
  tooLarge: boolean;
}

/** Reads a request body, keeping at most `limit` bytes: beyond it the rest is drained and discarded. */
function readBody(req: IncomingMessage, limit: number): Promise<Body> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        tooLarge = true;
        chunks.length = 0;
      } else {
        chunks.push(chunk);
      }
    });
    req.once('end', () =>
      resolve({ text: tooLarge ? '' : Buffer.concat(chunks).toString('utf8'), tooLarge }),
    );
    req.once('error', reject);
    req.once('close', () => {
      if (!req.complete) reject(new Error('request aborted'));
    });
  });
}

/** Parses a JSON object body, or `undefined` when the body is not JSON or not a plain object. */
function parseObject(text: string): Record<string, unknown> | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  return value as Record<string, unknown>;
}

/**
 * Starts a sandbox and resolves once it listens.
 *
 * @example
 * const sandbox = await startSandbox({ port: 0 });
 * await fetch(`${sandbox.url}/Leadsin`, {
 *   method: 'POST',
 *   headers: { Authorization: SANDBOX_TOKEN },
 *   body: JSON.stringify({ FirstName: 'Mike', LastName: 'Smith' }),
 * }); // 201
 * await sandbox.stop();
 */
export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const token = options.token ?? SANDBOX_TOKEN;
  const customFields = new CustomFieldStore(resolveCustomFields(options.customFields));
  const allowedIps =
    options.allowedIps === undefined ? undefined : new Set(options.allowedIps.map(normalizeIp));
  const faults = new FaultInjector(options.faults);
  const store = await LeadStore.open(options.dataFile);
  const slowTimers = new Set<NodeJS.Timeout>();
  const byEndpoint = new Map<string, number>();
  let requests = 0;

  /** Checks the token and client IP; answers and returns false when the call is refused. */
  function authorize(req: IncomingMessage, res: ServerResponse, ip: string): boolean {
    const given = req.headers.authorization;
    if (given === undefined || given === '') {
      sendError(res, 400, 'Missing Token', ip);
      return false;
    }
    if (given !== token) {
      sendError(res, 401, 'Invalid Token', ip);
      return false;
    }
    if (allowedIps !== undefined && !allowedIps.has(ip)) {
      sendError(res, 403, 'Invalid IP', ip);
      return false;
    }
    return true;
  }

  /** Validates a `Leadsin` body: the stored lead's body, or the 406 message. */
  function validateLead(body: Body): { ok: true; lead: LeadsinBody } | { ok: false; problem: string } {
    if (body.tooLarge) return { ok: false, problem: 'Request body too large (over 1 MB)' };
    const input = parseObject(body.text);
    if (input === undefined) return { ok: false, problem: 'Invalid JSON' };
    const parsed = leadsinBodySchema.safeParse(input);
    if (!parsed.success) return { ok: false, problem: describeIssues(parsed.error.issues, input) };
    const unknown = [...new Set((parsed.data.Extra ?? []).map((extra) => extra.ID))].filter(
      (id) => !customFields.has(id),
    );
    if (unknown.length === 1) return { ok: false, problem: `Unknown custom field ID ${unknown[0]}` };
    if (unknown.length > 1) return { ok: false, problem: `Unknown custom field IDs ${unknown.join(', ')}` };
    return { ok: true, lead: parsed.data };
  }

  async function handleLeadsin(req: IncomingMessage, res: ServerResponse, ip: string): Promise<void> {
    const body = await readBody(req, SANDBOX_BODY_LIMIT);
    if (!authorize(req, res, ip)) return;
    const fault: FaultKind | undefined = faults.pick();
    switch (fault) {
      case 'error500':
        return sendError(res, 500, 'Internal Server Error', ip);
      case 'rateLimit429':
        return sendError(res, 429, 'Too Many Requests', ip, {
          'Retry-After': String(faults.retryAfterSeconds),
        });
      case 'reject406':
        return sendError(res, 406, 'Not Acceptable', ip);
      case 'resetBeforeAnswer':
        req.socket.destroy();
        return;
      default:
        break;
    }
    const result = validateLead(body);
    const now = new Date();
    // A valid lead is stored before any answer, so a slow or dropped answer still creates it.
    const leadId = result.ok ? store.add(result.lead, now).leadId : undefined;
    const answer = () => {
      if (!result.ok) return sendError(res, 406, result.problem, ip);
      sendJson(res, 201, {
        Header: { Status: 'Created', Code: '201', Time: onpipelineTime(now), Endpoint: 'Leadsin' },
        Data: { LeadID: leadId },
      });
    };
    if (fault === 'commitThenDrop') {
      req.socket.destroy();
    } else if (fault === 'slow') {
      const timer = setTimeout(() => {
        slowTimers.delete(timer);
        if (!res.destroyed && !res.writableEnded) answer();
      }, faults.slowMs);
      slowTimers.add(timer);
      res.once('close', () => {
        clearTimeout(timer);
        slowTimers.delete(timer);
      });
    } else {
      answer();
    }
  }

  async function handleListCustomFields(
    req: IncomingMessage,
    res: ServerResponse,
    ip: string,
  ): Promise<void> {
    const body = await readBody(req, SANDBOX_BODY_LIMIT);
    if (!authorize(req, res, ip)) return;
    const input = body.tooLarge ? undefined : parseObject(body.text);
    if (input === undefined) return sendError(res, 406, 'Invalid JSON', ip);
    const table = customFieldTables.find((name) => name === input.Table);
    if (table === undefined) {
      return sendError(res, 406, `Table must be one of ${customFieldTables.join(', ')}`, ip);
    }
    sendJson(res, 200, {
      Header: {
        Status: 'Accepted',
        Code: '200',
        Time: onpipelineTime(),
        Endpoint: 'ListCustomFields',
        Table: table,
      },
      Data: customFields.list(table),
    });
  }

  /** `POST /FieldAdd` `{ Table, Name }`: creates a text field; 201 with its new ID. */
  async function handleFieldAdd(req: IncomingMessage, res: ServerResponse, ip: string): Promise<void> {
    const body = await readBody(req, SANDBOX_BODY_LIMIT);
    if (!authorize(req, res, ip)) return;
    const input = body.tooLarge ? undefined : parseObject(body.text);
    if (input === undefined) return sendError(res, 406, 'Invalid JSON', ip);
    const result = customFields.add(input);
    if (!result.ok) return sendError(res, result.status, result.message, ip);
    sendJson(res, 201, {
      Header: { Status: 'Created', Code: '201', Time: onpipelineTime(), Endpoint: 'FieldAdd' },
      Data: { ID: result.field.ID },
    });
  }

  /** `POST /FieldDelete` `{ ID }`: deletes a custom field of any table; 202. */
  async function handleFieldDelete(req: IncomingMessage, res: ServerResponse, ip: string): Promise<void> {
    const body = await readBody(req, SANDBOX_BODY_LIMIT);
    if (!authorize(req, res, ip)) return;
    const input = body.tooLarge ? undefined : parseObject(body.text);
    if (input === undefined) return sendError(res, 406, 'Invalid JSON', ip);
    const result = customFields.delete(input);
    if (!result.ok) return sendError(res, result.status, result.message, ip);
    sendJson(res, 202, {
      Header: { Status: 'Accepted', Code: '202', Time: onpipelineTime(), Endpoint: 'FieldDelete' },
      Data: { ID: result.id },
    });
  }

  async function handleControl(
    req: IncomingMessage,
    res: ServerResponse,
    path: string,
    ip: string,
  ): Promise<void> {
    const body = await readBody(req, SANDBOX_BODY_LIMIT);
    const route = `${req.method} ${path}`;
    switch (route) {
      case 'GET /_sandbox/leads':
        return sendJson(res, 200, store.all());
      case 'DELETE /_sandbox/leads':
        await store.clear();
        res.writeHead(204).end();
        return;
      case 'GET /_sandbox/faults':
        return sendJson(res, 200, faults.get());
      case 'PUT /_sandbox/faults': {
        const input = body.tooLarge ? undefined : parseObject(body.text);
        if (input === undefined) return sendError(res, 400, 'Invalid JSON', ip);
        try {
          faults.set(parseFaults(input));
        } catch (error) {
          return sendError(res, 400, (error as Error).message, ip);
        }
        return sendJson(res, 200, faults.get());
      }
      case 'GET /_sandbox/stats':
        return sendJson(res, 200, stats());
      default:
        return sendError(res, 404, 'Resource not found', ip);
    }
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const refusal = foreignRequestRefusal(req);
    if (refusal) {
      req.resume();
      return sendJson(res, refusal.status, { error: { code: refusal.code, message: refusal.message } });
    }
    const ip = normalizeIp(req.socket.remoteAddress);
    const path = new URL(req.url ?? '/', 'http://sandbox').pathname;
    if (path === '/' && (req.method === 'GET' || req.method === 'HEAD')) {
      const html = renderLeadsPage(store.all(), { token: token === SANDBOX_TOKEN ? token : undefined });
      res.writeHead(200, {
        'Content-Type': 'text/html; charset=utf-8',
        'Content-Length': String(Buffer.byteLength(html)),
        'Content-Security-Policy': pageContentSecurityPolicy,
        'Cache-Control': 'no-store',
      });
      res.end(req.method === 'HEAD' ? undefined : html);
      return;
    }
    if (path.startsWith('/_sandbox/')) return handleControl(req, res, path, ip);
    requests += 1;
    byEndpoint.set(path, (byEndpoint.get(path) ?? 0) + 1);
    if (req.method === 'POST' && path === '/Leadsin') return handleLeadsin(req, res, ip);
    if (req.method === 'POST' && path === '/ListCustomFields') return handleListCustomFields(req, res, ip);
    if (req.method === 'POST' && path === '/FieldAdd') return handleFieldAdd(req, res, ip);
    if (req.method === 'POST' && path === '/FieldDelete') return handleFieldDelete(req, res, ip);
    await readBody(req, SANDBOX_BODY_LIMIT);
    sendError(res, 404, 'Resource not found', ip);
  }

  function stats(): SandboxStats {
    return { requests, byEndpoint: Object.fromEntries(byEndpoint), faultsInjected: faults.counts() };
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch(() => {
      // The client went away mid-request, or a bug: answer 500 if still possible, else drop.
      if (!res.headersSent && !res.destroyed) {
        sendError(res, 500, 'Internal Server Error', normalizeIp(req.socket.remoteAddress));
      } else {
        res.destroy();
      }
    });
  });
  const { url, port, close } = await listenOnLoopback(server, options.port ?? SANDBOX_DEFAULT_PORT);
  return {
    url,
    port,
    leads: () => store.all(),
    clear: () => store.clear(),
    setFaults: (next) => faults.set(next),
    stats,
    stop() {
      for (const timer of slowTimers) clearTimeout(timer);
      slowTimers.clear();
      return close();
    },
  };
}

if (import.meta.main) {
  const sandbox = await startSandbox({
    port: Number(process.env.SANDBOX_PORT || SANDBOX_DEFAULT_PORT),
    token: process.env.SANDBOX_TOKEN || SANDBOX_TOKEN,
    dataFile: process.env.SANDBOX_DATA_FILE || undefined,
  });
  process.stdout.write(`Onpipeline sandbox listening on ${sandbox.url} (leads: ${sandbox.url}/)\n`);
  const shutdown = () => void sandbox.stop().then(() => process.exit(0));
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}
