/**
 * Shared helpers of the benchmarks: statistics over repeated runs, machine facts, and how a benchmark
 * hands its results to `bench/run.ts`. Benchmarks are not tests: nothing here asserts a timing.
 *
 * Every benchmark file runs alone (`npx node bench/mapping.ts`) and prints what it measured; when
 * `BENCH_RESULT_FILE` is set (by `bench/run.ts`) it also writes its result there as JSON.
 */
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { mulberry32 } from '#local/sandbox/faults.ts';

/** Median, spread and a few percentiles of repeated measurements. */
export interface Summary {
  runs: number;
  median: number;
  min: number;
  max: number;
  /** (max − min) / median, as a fraction. */
  spread: number;
}

/** The `p`-th percentile (0–100) of numbers sorted ascending, nearest-rank. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] as number;
}

export function summarize(values: readonly number[]): Summary {
  const sorted = [...values].sort((a, b) => a - b);
  const median =
    sorted.length % 2 === 1
      ? (sorted[(sorted.length - 1) / 2] as number)
      : ((sorted[sorted.length / 2 - 1] as number) + (sorted[sorted.length / 2] as number)) / 2;
  const min = sorted[0] ?? Number.NaN;
  const max = sorted[sorted.length - 1] ?? Number.NaN;
  return { runs: sorted.length, median, min, max, spread: median === 0 ? 0 : (max - min) / median };
}

/** `12.3 (11.9–13.0, ±4%)`: median, range and spread of a summary. */
export function formatSummary(summary: Summary, digits = 1): string {
  const f = (value: number) => value.toFixed(digits);
  return `${f(summary.median)} (${f(summary.min)}–${f(summary.max)}, spread ${(summary.spread * 100).toFixed(0)}%)`;
}

/** Integers with thousands separators. */
export function int(value: number): string {
  return Math.round(value).toLocaleString('en-US');
}

/** The machine a result was measured on. */
export function machine() {
  let cpu = os.cpus()[0]?.model ?? 'unknown';
  try {
    const line = readFileSync('/proc/cpuinfo', 'utf8')
      .split('\n')
      .find((entry) => entry.startsWith('model name'));
    if (line) cpu = line.split(':').slice(1).join(':').trim();
  } catch {
    // not Linux: os.cpus() is good enough
  }
  return {
    node: process.version,
    v8: process.versions.v8,
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
    cpu,
    cores: os.availableParallelism(),
    memoryGiB: Number((os.totalmem() / 1024 ** 3).toFixed(1)),
    loadAverage: os.loadavg().map((value) => Number(value.toFixed(2))),
    date: new Date().toISOString(),
  };
}

/** Refuses to run on anything but Node 24+ (the system node 20 would measure another engine). */
export function requireNode24(): void {
  const major = Number(process.versions.node.split('.')[0]);
  if (major < 24) {
    console.error(`benchmarks need Node 24 (npm run bench / npx node), not ${process.version}`);
    process.exit(1);
  }
}

/** Hands a benchmark's result to `bench/run.ts` (when it asked for one) and returns it. */
export function report<T>(name: string, result: T): T {
  const file = process.env.BENCH_RESULT_FILE;
  if (file) writeFileSync(file, `${JSON.stringify({ name, result }, null, 2)}\n`);
  return result;
}

/** Keeps a value alive so the optimiser cannot drop the work that produced it. */
export let blackhole: unknown;
export function consume(value: unknown): void {
  blackhole = value;
}

/**
 * Runs `node <script>` (this Node, i.e. `process.execPath`) with extra environment, bounded in time,
 * and returns its stdout (or only its size when `countOnly`, for chatty children).
 */
export function runNode(
  args: string[],
  options: { env?: Record<string, string>; timeoutMs?: number; cwd?: string } = {},
): Promise<{ code: number | null; stdout: string; stderr: string; stdoutBytes: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, {
      cwd: options.cwd ?? process.cwd(),
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let stdoutBytes = 0;
    child.stdout.on('data', (chunk: Buffer) => {
      stdoutBytes += chunk.length;
      if (stdoutBytes < 1_000_000) out.push(chunk);
    });
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({
        code,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        stdoutBytes,
      });
    });
  });
}

/** Appends `value` to the list under `key`, creating the list on first use. */
export function append<T>(lists: Record<string, T[]>, key: string, value: T): void {
  const list = lists[key];
  if (list) list.push(value);
  else lists[key] = [value];
}

/** Waits `ms` milliseconds. */
export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A small deterministic PRNG (mulberry32, the sandbox's), so every run maps the same leads. */
export const random = mulberry32;

export function pick<T>(next: () => number, items: readonly T[]): T {
  return items[Math.floor(next() * items.length)] as T;
}

export const firstNames = [
  'Ana',
  'mike',
  'JOSÉ LUIS',
  'María',
  "o'neil",
  'Chen',
  'Ingrid',
  'Olu',
  'Zoë',
  'Pierre-Henri',
  '  Lucía ',
  'Mohammed',
  'Sanna',
  'Kwame',
  'Aiko',
  'Tomasz',
];
export const lastNames = [
  'Ruiz',
  'SMITH',
  'García  López',
  'Müller',
  'van der Berg',
  'Okafor',
  'Nakamura',
  'Kowalski',
  "D'Arcy",
  'Ferreira',
  'Lindqvist',
  'Mensah',
  ' Rossi ',
  'Nguyen',
];
export const companies = [
  'Acme S.L.',
  'Globex Corporation',
  '  Initech  ',
  'Umbrella Ltd',
  'Stark Industries',
  'Wayne  Enterprises',
  '',
  'Hooli',
  'Vandelay Industries',
];
export const cities = ['Madrid', 'Barcelona', 'Lisboa', 'Paris', 'Berlin', 'Valencia', 'Sevilla', ''];
export const countries = ['es', 'ES', 'pt', 'fr', 'de', '', 'it'];
export const interests = ['Pricing', 'Demo', 'Integrations', 'Support', 'Partnership'];
export const campaigns = ['spring-2026', 'brand', 'retargeting', 'webinar-q2', ''];
