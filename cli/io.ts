import { styleText } from 'node:util';
import type { SQSClient } from '@aws-sdk/client-sqs';

/**
 * Everything a `leadgate` command touches outside its arguments: output streams, environment,
 * working directory, standard input and the AWS SQS client factory. `processIo()` is the real one;
 * tests pass their own to capture output.
 */
export interface Io {
  /** Writes to standard output (results, `--json` documents). */
  out(text: string): void;
  /** Writes to standard error (progress, warnings, errors). */
  err(text: string): void;
  env: Readonly<Record<string, string | undefined>>;
  /** Folder that relative paths (`sources`, `.leadgate`) are resolved against. */
  cwd: string;
  /** Reads all of standard input (for `sources preview <id> -`). */
  stdin(): Promise<string>;
  /** Whether standard output is a terminal (colours, progress lines). */
  isTTY: boolean;
  /** An SQS client for AWS (default credentials and region); tests replace it. */
  awsSqs?(region: string | undefined): Promise<SQSClient> | SQSClient;
}

/** The real process: stdout, stderr, `process.env`, `process.cwd()`. */
export function processIo(): Io {
  return {
    out: (text) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`),
    err: (text) => process.stderr.write(text.endsWith('\n') ? text : `${text}\n`),
    env: process.env,
    cwd: process.cwd(),
    isTTY: process.stdout.isTTY === true,
    async stdin() {
      const chunks: Buffer[] = [];
      for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks).toString('utf8');
    },
  };
}

/**
 * An `Io` that keeps what is written in memory: for tests and for embedding the CLI.
 *
 * @example
 * const io = bufferIo({ cwd: workspace });
 * await main(['sources', 'check'], io);
 * io.stdout(); // '✔ 1 source valid: demo-contact\n'
 */
export function bufferIo(
  options: {
    cwd?: string;
    env?: Record<string, string | undefined>;
    stdin?: string;
    awsSqs?: Io['awsSqs'];
  } = {},
): Io & { stdout(): string; stderr(): string } {
  let out = '';
  let err = '';
  return {
    out: (text) => {
      out += text.endsWith('\n') ? text : `${text}\n`;
    },
    err: (text) => {
      err += text.endsWith('\n') ? text : `${text}\n`;
    },
    env: options.env ?? {},
    cwd: options.cwd ?? process.cwd(),
    isTTY: false,
    stdin: async () => options.stdin ?? '',
    ...(options.awsSqs ? { awsSqs: options.awsSqs } : {}),
    stdout: () => out,
    stderr: () => err,
  };
}

/** A failure a command reports to the user: its message is printed, the process exits with `exitCode`. */
export class CliError extends Error {
  readonly exitCode: number;
  /** Extra lines printed after the message (hints, lists). */
  readonly details: string[];
  /** A machine code for scripts (`--json` prints it as `error.code`), e.g. `token_missing`. */
  readonly code: string | undefined;
  constructor(message: string, options: { exitCode?: number; details?: string[]; code?: string } = {}) {
    super(message);
    this.name = 'CliError';
    this.exitCode = options.exitCode ?? 1;
    this.details = options.details ?? [];
    this.code = options.code;
  }
}

/** A mistake in the command line itself (exit code 2). */
export class UsageError extends CliError {
  constructor(message: string, details: string[] = []) {
    super(message, { exitCode: 2, details });
    this.name = 'UsageError';
  }
}

/** Text styles that switch themselves off when the output is not a terminal or `NO_COLOR` is set. */
export function styles(io: Io) {
  const enabled = io.isTTY && !io.env.NO_COLOR;
  const style =
    (format: Parameters<typeof styleText>[0]) =>
    (text: string): string =>
      enabled ? styleText(format, text, { validateStream: false }) : text;
  return {
    ok: style('green'),
    bad: style('red'),
    warn: style('yellow'),
    dim: style('dim'),
    bold: style('bold'),
  };
}

/** Prints a JSON document for scripts (`--json`). */
export function printJson(io: Io, value: unknown): void {
  io.out(`${JSON.stringify(value, null, 2)}\n`);
}

/**
 * Lays rows out in aligned columns (the last column is never padded).
 *
 * @example
 * table([['SOURCE', 'REASON'], ['demo-contact', 'mapping_failed']]);
 */
export function table(rows: readonly (readonly string[])[]): string {
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((cell, index) => {
      widths[index] = Math.max(widths[index] ?? 0, cell.length);
    });
  }
  return rows
    .map((row) =>
      row
        .map((cell, index) => (index === row.length - 1 ? cell : cell.padEnd(widths[index] ?? 0)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** `1 lead`, `2 leads`. */
export function plural(count: number, one: string, many = `${one}s`): string {
  return `${count} ${count === 1 ? one : many}`;
}

/**
 * A time as every command prints it: readable and explicitly UTC, to the second. Text that is not a
 * time is returned as it is; nothing (`undefined`, '') stays empty.
 *
 * @example
 * utcTime('2026-12-04T18:10:44.123Z'); // '2026-12-04 18:10:44 UTC'
 */
export function utcTime(iso: string | undefined): string {
  if (!iso) return '';
  const time = Date.parse(iso);
  if (Number.isNaN(time)) return iso;
  return `${new Date(time).toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}
