import type { IncomingMessage, Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Starts an HTTP server on 127.0.0.1 (never another interface) and gives back its URL and a `close`
 * that also ends keep-alive connections and can be called any number of times.
 *
 * @example
 * const { url, close } = await listenOnLoopback(http.createServer(handler), 0);
 */
export async function listenOnLoopback(
  server: Server,
  port: number,
): Promise<{ url: string; port: number; close: () => Promise<void> }> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const actual = (server.address() as AddressInfo).port;
  let closing: Promise<void> | undefined;
  return {
    url: `http://127.0.0.1:${actual}`,
    port: actual,
    close() {
      closing ??= new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

/** Why a request to a one-machine server was refused: answer `status` with `{"error":{code,message}}`. */
export interface ForeignRequestRefusal {
  status: 403;
  code: 'host_not_allowed' | 'cross_site_request';
  message: string;
}

const LOOPBACK_HOST = /^(\[::1\]|127\.0\.0\.1|localhost)(?::(\d{1,5}))?$/i;

/**
 * Whether a request was addressed to this machine by a loopback name (127.0.0.1, localhost, [::1])
 * and the port it arrived on. Anything else is a DNS rebinding attempt (a hostile site's name
 * resolving to 127.0.0.1) or a request meant for another server.
 */
export function isLoopbackHost(host: string | undefined, port: number | undefined): boolean {
  const match = host ? LOOPBACK_HOST.exec(host.trim()) : null;
  if (!match) return false;
  if (port === undefined) return true;
  return Number(match[2] ?? 80) === port;
}

/**
 * Whether a request comes from another site. A browser says so in `Sec-Fetch-Site`, and the `Origin`
 * it sends with every POST must be this server's own. A state-changing request (any method but GET
 * and HEAD) must be same-origin; a GET or HEAD is refused when cross-site unless it is a top-level
 * navigation (a link the developer follows, whose answer the linking page cannot read). Clients that
 * send neither header (curl, the AWS SDK, scripts) are not browsers and cannot be tricked into it.
 */
export function isCrossSite(request: IncomingMessage): boolean {
  const site = request.headers['sec-fetch-site'];
  const origin = request.headers.origin;
  if (request.method === 'GET' || request.method === 'HEAD') {
    return site === 'cross-site' && request.headers['sec-fetch-mode'] !== 'navigate';
  }
  if (site !== undefined && site !== 'same-origin' && site !== 'none') return true;
  if (origin === undefined) return false;
  return origin !== `http://${request.headers.host ?? ''}`;
}

/**
 * The one guard of every one-machine server (dashboard pages, Onpipeline sandbox, embedded queue):
 * a refusal when the request is not addressed to a loopback name with the server's own port, or
 * comes from another site; `undefined` when it may proceed. See docs/operations.md, "Security model".
 *
 * @example
 * const refusal = foreignRequestRefusal(request);
 * if (refusal) return sendJson(response, refusal.status, { error: { code: refusal.code, message: refusal.message } });
 */
export function foreignRequestRefusal(request: IncomingMessage): ForeignRequestRefusal | undefined {
  if (!isLoopbackHost(request.headers.host, request.socket.localPort)) {
    return {
      status: 403,
      code: 'host_not_allowed',
      message: "leadgate's local servers answer on 127.0.0.1, localhost and [::1] (with their port) only.",
    };
  }
  if (isCrossSite(request)) {
    return {
      status: 403,
      code: 'cross_site_request',
      message: "leadgate's local servers refuse requests from other sites.",
    };
  }
  return undefined;
}
