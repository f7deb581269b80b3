import type { Logger } from '@aws-lambda-powertools/logger';
import { POWERTOOLS_LINE_KEYS } from '#shared/telemetry.ts';

/**
 * leadgate's log lines for a person at a terminal (`npm start`): one line per event with the time
 * (UTC), the level, the message and the event's own keys (lead id, source, outcome, status...),
 * instead of the JSON that CloudWatch wants. The keys are exactly those of the JSON line, so the
 * same redaction holds (the code logs ids, outcomes and redacted details only; see
 * `shared/telemetry.ts`); only the Lambda context the local poller makes up (function ARN, memory,
 * request id, cold start) is left out.
 *
 * @example
 * if (terminalLogWanted(process.env, process.stdout.isTTY)) useTerminalLog(logger);
 * // 18:31:02.123 UTC INFO  lead delivered  leadId=01J… sourceId=demo-contact outcome=delivered status=201
 */

/** What Powertools adds to every line (and, on one machine, fakes): not the event's own data. */
const CONTEXT_KEYS = new Set<string>(POWERTOOLS_LINE_KEYS);

/** The keys a reader looks for first, in this order; the others follow as logged. */
const FIRST_KEYS = [
  'route',
  'leadId',
  'sourceId',
  'channel',
  'outcome',
  'status',
  'attempt',
  'onpipelineLeadId',
];

/** Longest value printed (a line stays a line). */
const MAX_VALUE = 200;

/** `LEADGATE_LOG_FORMAT=pretty|json`; by default pretty when standard output is a terminal. */
export function terminalLogWanted(
  env: Readonly<Record<string, string | undefined>>,
  isTTY: boolean,
): boolean {
  const format = env.LEADGATE_LOG_FORMAT?.toLowerCase();
  if (format === 'json') return false;
  if (format === 'pretty') return true;
  return isTTY;
}

function text(value: unknown): string {
  if (value instanceof Error) return `${value.name}: ${value.message}`;
  if (value !== null && typeof value === 'object') {
    const error = value as { name?: unknown; message?: unknown };
    if (typeof error.name === 'string' && typeof error.message === 'string')
      return `${error.name}: ${error.message}`;
    return JSON.stringify(value);
  }
  const plain = String(value);
  return /^[^\s"=]+$/.test(plain) ? plain : JSON.stringify(plain);
}

function shorten(value: string): string {
  const flat = value.replace(/[\r\n\t]+/g, ' ');
  return flat.length > MAX_VALUE ? `${flat.slice(0, MAX_VALUE - 1)}…` : flat;
}

/**
 * One log event as one line: `HH:MM:SS.mmm UTC LEVEL message  key=value ...` (values with spaces
 * quoted, objects as compact JSON, Lambda context keys left out).
 */
export function formatLogLine(attributes: Readonly<Record<string, unknown>>): string {
  const stamp = typeof attributes.timestamp === 'string' ? Date.parse(attributes.timestamp) : Number.NaN;
  const time = `${new Date(Number.isNaN(stamp) ? Date.now() : stamp).toISOString().slice(11, 23)} UTC`;
  const level = String(attributes.level ?? 'INFO').padEnd(5);
  const keys = Object.keys(attributes).filter(
    (key) => !CONTEXT_KEYS.has(key) && attributes[key] !== undefined && attributes[key] !== null,
  );
  const ordered = [
    ...FIRST_KEYS.filter((key) => keys.includes(key)),
    ...keys.filter((key) => !FIRST_KEYS.includes(key)),
  ];
  const fields = ordered.map((key) => `${key}=${shorten(text(attributes[key]))}`).join(' ');
  const message = shorten(String(attributes.message ?? ''));
  return `${time} ${level} ${message}${fields ? `  ${fields}` : ''}`;
}

/** Where the lines go; warnings and errors to `err`, as Powertools does. */
export interface LogStreams {
  out: { write(text: string): unknown };
  err: { write(text: string): unknown };
}

/** Powertools' level numbers from WARN up (its `LogLevelThreshold.WARN`). */
const WARN = 16;

const terminalLoggers = new WeakSet<Logger>();

/** Whether `useTerminalLog` was applied to `logger` (the delivery thread then does the same). */
export function terminalLogInUse(logger: Logger): boolean {
  return terminalLoggers.has(logger);
}

/**
 * Makes `logger` print `formatLogLine` lines instead of JSON. Powertools Logger writes every line
 * through its `printLog(level, item)` (its documented extension point for subclasses); this replaces
 * it on the one logger instance of the one-machine process.
 */
export function useTerminalLog(
  logger: Logger,
  streams: LogStreams = { out: process.stdout, err: process.stderr },
): void {
  const target = logger as unknown as {
    printLog(
      level: number,
      item: { prepareForPrint?(): void; getAttributes(): Record<string, unknown> },
    ): void;
  };
  terminalLoggers.add(logger);
  target.printLog = (level, item) => {
    item.prepareForPrint?.();
    const line = `${formatLogLine(item.getAttributes())}\n`;
    (level >= WARN ? streams.err : streams.out).write(line);
  };
}
