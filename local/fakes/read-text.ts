import type { IncomingMessage } from 'node:http';

/**
 * A fake's request body as text (UTF-8), keeping at most the first MiB (a fake needs no more).
 *
 * @example
 * const body = await readText(req);
 */
export function readText(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= 1024 * 1024) chunks.push(chunk);
    });
    req.once('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.once('error', reject);
  });
}
