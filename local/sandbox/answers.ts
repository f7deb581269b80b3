import type { ServerResponse } from 'node:http';

/** Onpipeline's datetime format, `YYYY-MM-DD HH:MM:SS`, in UTC (the reference names no time zone). */
export function onpipelineTime(date: Date = new Date()): string {
  return date.toISOString().slice(0, 19).replace('T', ' ');
}

/** The body of an Onpipeline error: the only shape the API answers with when something is wrong. */
export interface OnpipelineError {
  Error: { Code: string; Message: string; Time: string; IP: string };
}

/** Builds Onpipeline's error body; `Code` is the HTTP status as a string. */
export function errorBody(
  status: number,
  message: string,
  ip: string,
  now: Date = new Date(),
): OnpipelineError {
  return { Error: { Code: String(status), Message: message, Time: onpipelineTime(now), IP: ip } };
}

/** Writes a JSON answer with `Content-Type: application/json` and an exact `Content-Length`. */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json',
    'Content-Length': String(Buffer.byteLength(text)),
    'Cache-Control': 'no-store',
    ...headers,
  });
  res.end(text);
}

/** Writes an Onpipeline error answer whose HTTP status equals `Error.Code`. */
export function sendError(
  res: ServerResponse,
  status: number,
  message: string,
  ip: string,
  headers: Record<string, string> = {},
): void {
  sendJson(res, status, errorBody(status, message, ip), headers);
}

/** The client's IP as Onpipeline would report it: IPv4-mapped IPv6 addresses lose their `::ffff:` prefix. */
export function normalizeIp(address: string | undefined): string {
  if (address === undefined) return 'unknown';
  return address.startsWith('::ffff:') ? address.slice('::ffff:'.length) : address;
}
