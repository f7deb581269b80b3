/**
 * A fake of the slice of Meta's Graph API leadgate calls: `GET /v<N>.<M>/{leadgen_id}` with a page
 * access token, answering Graph-shaped leads and Graph-shaped errors, so the Meta fetch path runs end to
 * end on one machine. It binds 127.0.0.1 only and never logs.
 *
 * Behaviour, as Graph documents it:
 * - the page token comes as `Authorization: Bearer <token>` (what leadgate sends) or, as Graph also
 *   accepts, an `access_token` query parameter (recorded: `tokenInUrl`);
 * - no token → 400 code 104; unknown token → 400 code 190; an expired token (`expireToken`)
 *   → 400 code 190 subcode 463; a wrong `appsecret_proof` (when `appSecret` is set) → 400 code 100;
 * - a lead that does not exist, was deleted, or belongs to another page than the token's → 400 code 100
 *   subcode 33 ("does not exist, cannot be loaded due to missing permissions…");
 * - `fields=` selects the lead fields; without it only `id`, `created_time` and `field_data` come back.
 *
 * Errors can be injected (`failNext`) with the presets of {@link graphErrors} or any Graph answer.
 * Control API without auth, for `npm start`: `POST /_fake/leads` (a lead), `POST /_fake/errors`
 * (`{"preset":"expiredToken","times":1}`), `GET /_fake/requests`.
 */

import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { jsonSender, serveUntilStopped, startFakeServer } from '#local/fakes/server.ts';
import { hmacSha256Hex } from '#shared/security/signatures.ts';

/** The port the fake Graph API listens on when none is given. */
export const FAKE_GRAPH_DEFAULT_PORT = 3003;

/** A lead as the fake stores it: Graph's lead fields plus the page it belongs to. */
export interface FakeGraphLead {
  id: string;
  /** The page whose token may read the lead (not a Graph field; never answered). */
  page_id: string;
  created_time?: string;
  field_data: { name: string; values: string[] }[];
  ad_id?: string;
  adset_id?: string;
  campaign_id?: string;
  form_id?: string;
  is_organic?: boolean;
  platform?: string;
  [field: string]: unknown;
}

/** A Graph error answer: HTTP status, the `error` object, extra headers. */
export interface GraphErrorAnswer {
  status: number;
  error: { message: string; type: string; code: number; error_subcode?: number; is_transient?: boolean };
  headers?: Record<string, string>;
}

/** Graph's own error answers for the cases leadgate classifies. */
export const graphErrors = {
  expiredToken: {
    status: 400,
    error: {
      message: 'Error validating access token: Session has expired on Friday, 01-Jan-21 00:00:00 PST.',
      type: 'OAuthException',
      code: 190,
      error_subcode: 463,
    },
  },
  invalidToken: {
    status: 400,
    error: {
      message: 'Invalid OAuth access token - Cannot parse access token',
      type: 'OAuthException',
      code: 190,
    },
  },
  permissionDenied: {
    status: 403,
    error: {
      message: '(#10) Application does not have permission for this action',
      type: 'OAuthException',
      code: 10,
    },
  },
  leadsRetrievalMissing: {
    status: 403,
    error: {
      message: '(#200) Requires leads_retrieval permission to manage the object',
      type: 'OAuthException',
      code: 200,
    },
  },
  appRateLimit: {
    status: 403,
    error: {
      message: '(#4) Application request limit reached',
      type: 'OAuthException',
      code: 4,
      is_transient: true,
    },
  },
  userRateLimit: {
    status: 403,
    error: {
      message: '(#17) User request limit reached',
      type: 'OAuthException',
      code: 17,
      is_transient: true,
    },
  },
  pageRateLimit: {
    status: 403,
    error: {
      message: '(#32) Page request limit reached',
      type: 'OAuthException',
      code: 32,
      is_transient: true,
    },
  },
  callsRateLimit: {
    status: 403,
    error: {
      message: '(#613) Calls to this api have exceeded the rate limit.',
      type: 'OAuthException',
      code: 613,
    },
  },
  businessRateLimit: {
    status: 403,
    error: {
      message: '(#80001) There have been too many calls to this Page account.',
      type: 'OAuthException',
      code: 80001,
      is_transient: true,
    },
    headers: {
      'x-business-use-case-usage': JSON.stringify({
        '104345678901234': [
          {
            type: 'pages',
            call_count: 100,
            total_cputime: 10,
            total_time: 12,
            estimated_time_to_regain_access: 5,
          },
        ],
      }),
    },
  },
  serverError: {
    status: 500,
    error: {
      message: 'An unexpected error has occurred. Please retry your request later.',
      type: 'OAuthException',
      code: 2,
      is_transient: true,
    },
  },
  leadNotFound: {
    status: 400,
    error: {
      message:
        "Unsupported get request. Object with ID '0' does not exist, cannot be loaded due to missing " +
        'permissions, or does not support this operation.',
      type: 'GraphMethodException',
      code: 100,
      error_subcode: 33,
    },
  },
} satisfies Record<string, GraphErrorAnswer>;

export type GraphErrorPreset = keyof typeof graphErrors;

/** An injected failure: a Graph error, a bare 503 HTML page (a proxy), or a dropped connection. */
export type GraphFault = GraphErrorPreset | GraphErrorAnswer | 'html503' | 'reset';

export interface FakeGraphOptions {
  /** Port; default 3003, 0 lets the OS choose. The host is always 127.0.0.1. */
  port?: number;
  leads?: FakeGraphLead[];
  /** Page id → the page access token that may read its leads. */
  pageTokens?: Record<string, string>;
  /** When set, every call must carry `appsecret_proof` = hex HMAC-SHA256(appSecret, access_token). */
  appSecret?: string;
}

/** What the fake saw of one API request (never the token). */
export interface GraphRequestRecord {
  method: string;
  path: string;
  version: string | undefined;
  leadId: string | undefined;
  fields: string | undefined;
  hadToken: boolean;
  /** Whether the token came in the URL (`access_token`) instead of the Authorization header. */
  tokenInUrl: boolean;
  hadProof: boolean;
}

export interface FakeGraph {
  /** Base URL, e.g. `http://127.0.0.1:3003` (give it as the resolver's `graphUrl`). */
  url: string;
  port: number;
  addLead(lead: FakeGraphLead): void;
  /** Removes a lead: fetching it then answers code 100 subcode 33, as for a deleted lead. */
  deleteLead(id: string): void;
  /** Sets or replaces the token of a page (a fresh, unexpired token). */
  setPageToken(pageId: string, token: string): void;
  /** Makes a token answer "Session has expired" (190/463) from now on. */
  expireToken(token: string): void;
  /** The next `times` API requests fail this way (queued after faults already waiting). */
  failNext(fault: GraphFault, times?: number): void;
  /** The API requests seen so far, oldest first. */
  requests(): GraphRequestRecord[];
  stop(): Promise<void>;
}

const DEFAULT_FIELDS = ['id', 'created_time', 'field_data'];

/**
 * Starts the fake Graph API and resolves once it listens.
 *
 * @example
 * const graph = await startFakeGraph({ port: 0, pageTokens: { '104345678901234': 'page-token' } });
 * graph.addLead({ id: '1234567890123456789', page_id: '104345678901234', field_data: [] });
 * graph.failNext('expiredToken');
 * await graph.stop();
 */
export async function startFakeGraph(options: FakeGraphOptions = {}): Promise<FakeGraph> {
  const leads = new Map<string, FakeGraphLead>((options.leads ?? []).map((lead) => [lead.id, lead]));
  const tokens = new Map<string, string>(); // token → page id
  for (const [pageId, token] of Object.entries(options.pageTokens ?? {})) tokens.set(token, pageId);
  const expired = new Set<string>();
  const faults: GraphFault[] = [];
  const seen: GraphRequestRecord[] = [];

  const failNext = (fault: GraphFault, times = 1) => {
    if (typeof fault === 'string' && fault !== 'html503' && fault !== 'reset' && !(fault in graphErrors)) {
      throw new TypeError(`unknown Graph fault ${fault}`);
    }
    for (let i = 0; i < times; i++) faults.push(fault);
  };

  function api(req: IncomingMessage, res: ServerResponse, url: URL) {
    const match = /^\/(v\d+\.\d+)\/([^/]+)\/?$/.exec(url.pathname);
    const bearer = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
    const inUrl = url.searchParams.get('access_token') ?? '';
    const token = bearer ?? inUrl;
    const proof = url.searchParams.get('appsecret_proof') ?? '';
    seen.push({
      method: req.method ?? 'GET',
      path: url.pathname,
      version: match?.[1],
      leadId: match?.[2],
      fields: url.searchParams.get('fields') ?? undefined,
      hadToken: token !== '',
      tokenInUrl: inUrl !== '',
      hadProof: proof !== '',
    });
    const fault = faults.shift();
    if (fault === 'reset') return void req.socket.destroy();
    if (fault === 'html503') {
      res.writeHead(503, { 'content-type': 'text/html' });
      return void res.end('<html><body>Service Unavailable</body></html>');
    }
    if (fault !== undefined)
      return sendGraphError(res, typeof fault === 'string' ? graphErrors[fault] : fault);
    if (req.method !== 'GET' || !match?.[2]) {
      return sendGraphError(res, graphError(400, 'GraphMethodException', 100, 'Unsupported request.'));
    }
    if (token === '') {
      return sendGraphError(
        res,
        graphError(400, 'OAuthException', 104, 'An access token is required to request this resource.'),
      );
    }
    const pageId = tokens.get(token);
    if (pageId === undefined) return sendGraphError(res, graphErrors.invalidToken);
    if (expired.has(token)) return sendGraphError(res, graphErrors.expiredToken);
    if (options.appSecret !== undefined && proof !== hmacSha256Hex(options.appSecret, token)) {
      return sendGraphError(
        res,
        graphError(400, 'GraphMethodException', 100, 'Invalid appsecret_proof provided in the API argument'),
      );
    }
    const leadId = decodeURIComponent(match[2]);
    const lead = leads.get(leadId);
    if (!lead || lead.page_id !== pageId) {
      const notFound = graphErrors.leadNotFound;
      return sendGraphError(res, {
        ...notFound,
        error: { ...notFound.error, message: notFound.error.message.replace("'0'", `'${leadId}'`) },
      });
    }
    const wanted =
      url.searchParams
        .get('fields')
        ?.split(',')
        .map((name) => name.trim()) ?? DEFAULT_FIELDS;
    const answer: Record<string, unknown> = {};
    for (const name of wanted) {
      if (name !== 'page_id' && lead[name] !== undefined) answer[name] = lead[name];
    }
    answer.id = lead.id;
    sendJson(res, 200, answer);
  }

  const running = await startFakeServer({
    base: 'http://graph.fake',
    api,
    control: {
      'GET /_fake/requests': () => [200, seen],
      'POST /_fake/leads': (body) => {
        const lead = JSON.parse(body) as FakeGraphLead;
        if (
          typeof lead.id !== 'string' ||
          typeof lead.page_id !== 'string' ||
          !Array.isArray(lead.field_data)
        ) {
          return [400, { error: 'a lead needs id, page_id (strings) and field_data' }];
        }
        leads.set(lead.id, lead);
        return [201, { id: lead.id }];
      },
      'POST /_fake/errors': (body) => {
        const input = JSON.parse(body) as { preset?: string; answer?: GraphErrorAnswer; times?: number };
        failNext((input.answer ?? input.preset ?? '') as GraphFault, input.times ?? 1);
        return [200, { queued: faults.length }];
      },
    },
    sendJson,
    serverError: (res) => sendGraphError(res, graphErrors.serverError),
    port: options.port ?? FAKE_GRAPH_DEFAULT_PORT,
  });
  return {
    ...running,
    addLead: (lead) => void leads.set(lead.id, lead),
    deleteLead: (id) => void leads.delete(id),
    setPageToken(pageId, token) {
      for (const [known, page] of tokens) if (page === pageId) tokens.delete(known);
      tokens.set(token, pageId);
      expired.delete(token);
    },
    expireToken: (token) => void expired.add(token),
    failNext,
    requests: () => seen.map((record) => ({ ...record })),
  };
}

function graphError(status: number, type: string, code: number, message: string): GraphErrorAnswer {
  return { status, error: { message, type, code } };
}

function sendGraphError(res: ServerResponse, answer: GraphErrorAnswer): void {
  const fbtrace_id = randomBytes(8).toString('base64url');
  sendJson(res, answer.status, { error: { ...answer.error, fbtrace_id } }, answer.headers);
}

/** Graph answers JSON with an explicit charset. */
const sendJson = jsonSender({ 'Content-Type': 'application/json; charset=UTF-8' });

if (import.meta.main) {
  const graph = await startFakeGraph({
    port: Number(process.env.FAKE_GRAPH_PORT || FAKE_GRAPH_DEFAULT_PORT),
    pageTokens: process.env.FAKE_GRAPH_PAGE_TOKENS
      ? (JSON.parse(process.env.FAKE_GRAPH_PAGE_TOKENS) as Record<string, string>)
      : {},
  });
  serveUntilStopped('fake Graph API', graph);
}
