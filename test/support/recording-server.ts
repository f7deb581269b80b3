import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request a recording server received. */
export interface ReceivedRequest {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** What a recording server answers: a status, a content type and a body. */
export interface RecordedAnswer {
  status: number;
  contentType: string;
  body: string;
}

/**
 * A loopback HTTP server that records every request (path, headers, body) and answers it with what
 * `answer` says: a stand-in for an endpoint whose requests a test reads afterwards.
 *
 * @example
 * const server = await recordingServer(() => ({ status: 202, contentType: 'application/json', body: '{}' }));
 * // ... send to server.url ...
 * expect(server.received[0]?.path).toBe('/v1/forms/demo-contact');
 * await server.close();
 */
export async function recordingServer(answer: (request: ReceivedRequest) => RecordedAnswer) {
  const received: ReceivedRequest[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const recorded = {
        path: request.url ?? '',
        headers: request.headers,
        body: Buffer.concat(chunks).toString(),
      };
      received.push(recorded);
      const { status, contentType, body } = answer(recorded);
      response.writeHead(status, { 'content-type': contentType }).end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
