import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { readText } from '#local/fakes/read-text.ts';
import { listenOnLoopback } from '#local/loopback.ts';
import { sendJson } from '#local/sandbox/answers.ts';

/** A control route of a fake: the request body (text) → the answer's status and JSON body. */
export type FakeControlRoute = (body: string) => readonly [status: number, body: unknown];

export interface FakeServerOptions {
  /** A base for reading request URLs (`http://graph.fake`): only their path and query are used. */
  base: string;
  /** The vendor API: every path outside `/_fake/`, called once the request body has been read. */
  api: (req: IncomingMessage, res: ServerResponse, url: URL) => void;
  /** The control API by route (`'POST /_fake/leads'`); other `/_fake/` routes answer 404. */
  control: Record<string, FakeControlRoute>;
  /** Writes a JSON answer as the vendor does (its headers). */
  sendJson: (res: ServerResponse, status: number, body: unknown) => void;
  /** Answers the vendor's own server error, when the API throws before answering. */
  serverError: (res: ServerResponse) => void;
  /** The loopback port (0: a free one). */
  port: number;
}

/** A running fake: where it listens, and how to stop it. */
export interface RunningFake {
  url: string;
  port: number;
  stop(): Promise<void>;
}

/**
 * Starts the HTTP server of a vendor API fake (Graph, LinkedIn) on 127.0.0.1: `/_fake/*` is its control API (no auth,
 * loopback only), answering 404 for an unknown route and 400 with the message when a route throws (bad
 * JSON); every other path is the vendor API, whose failures answer the vendor's server error (or cut
 * the connection once an answer has started).
 *
 * @example
 * const { url, stop } = await startFakeServer({ base: 'http://graph.fake', api, control, sendJson, serverError, port: 0 });
 */
export async function startFakeServer(options: FakeServerOptions): Promise<RunningFake> {
  const control = async (req: IncomingMessage, res: ServerResponse, path: string): Promise<void> => {
    const body = await readText(req);
    const route = options.control[`${req.method} ${path}`];
    try {
      const [status, answer] = route ? route(body) : [404, { error: 'not found' }];
      options.sendJson(res, status, answer);
    } catch (error) {
      options.sendJson(res, 400, { error: (error as Error).message });
    }
  };
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', options.base);
    const handled = url.pathname.startsWith('/_fake/')
      ? control(req, res, url.pathname)
      : readText(req).then(() => options.api(req, res, url));
    handled.catch(() => {
      if (!res.headersSent && !res.destroyed) options.serverError(res);
      else res.destroy();
    });
  });
  const { url, port, close } = await listenOnLoopback(server, options.port);
  return { url, port, stop: close };
}

/**
 * A JSON writer with the headers a vendor puts on every answer (Graph's charset, LinkedIn's Rest.li
 * version); headers given per answer (`retry-after`) come on top.
 *
 * @example
 * const sendJson = jsonSender({ 'x-restli-protocol-version': '2.0.0' });
 * sendJson(res, 429, { status: 429 }, { 'retry-after': '1' });
 */
export function jsonSender(vendorHeaders: Record<string, string>) {
  return (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void =>
    sendJson(res, status, body, { ...vendorHeaders, ...headers });
}

/**
 * Runs a started fake as its own process (`npx node local/fakes/graph.ts`): says where it listens
 * and stops it on SIGINT or SIGTERM.
 *
 * @example
 * if (import.meta.main) serveUntilStopped('fake Graph API', await startFakeGraph());
 */
export function serveUntilStopped(name: string, fake: RunningFake): void {
  process.stdout.write(`${name} listening on ${fake.url}\n`);
  const shutdown = () => void fake.stop().then(() => process.exit(0));
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}
