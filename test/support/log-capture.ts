/**
 * Setup file of the integration project (vitest `setupFiles`): every log line the process writes
 * during the integration suite is appended to `test-results/logs/<pool>-<pid>.jsonl` and kept off
 * the console; `test/integration/pii-scan.global.ts` scans them once every file has run.
 *
 * - Level: INFO, as deployed (`logLevel` default), set before any test file builds the logger.
 *   (Powertools' middleware resets the level to the one read at construction on every invocation,
 *   so it must come from the environment, not from `logger.setLogLevel`.)
 * - Where Powertools Logger writes: its own `new Console({ stdout: process.stdout, stderr:
 *   process.stderr })` (INFO/DEBUG to stdout, WARN/ERROR to stderr), i.e. `process.stdout.write`
 *   and `process.stderr.write`: both are taken over. Structured (JSON) lines go to the file only;
 *   any other text written there goes to the file too (as `{"_text": ...}`) and still to the console.
 * - Each test file starts with a marker line `{"_testFile": "<path>"}`, then a canary line written
 *   through the real logger: a file whose canary is not captured fails at once (capture broken).
 *
 * Child processes (`npm start` spawned by crash.test.ts) write to their own pipes: not captured.
 */
import { appendFileSync, mkdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { beforeAll, expect } from 'vitest';
import { CANARY_MESSAGE, LOG_DIR } from '#test/integration/pii-scan.global.ts';

process.env.POWERTOOLS_LOG_LEVEL = 'INFO';

const installed = Symbol.for('leadgate.logCapture');
type Capture = { file: string; canaries: number };
const state = globalThis as typeof globalThis & { [installed]?: Capture };

function isLogLine(text: string): boolean {
  if (!text.startsWith('{')) return false;
  try {
    const value: unknown = JSON.parse(text);
    return (
      value !== null &&
      typeof value === 'object' &&
      typeof (value as Record<string, unknown>).level === 'string' &&
      typeof (value as Record<string, unknown>).message === 'string'
    );
  } catch {
    return false;
  }
}

function install(): Capture {
  mkdirSync(LOG_DIR, { recursive: true });
  const capture: Capture = {
    file: join(LOG_DIR, `${process.env.VITEST_POOL_ID ?? '0'}-${process.pid}.jsonl`),
    canaries: 0,
  };
  for (const stream of [process.stdout, process.stderr]) {
    const original = stream.write.bind(stream) as (...args: unknown[]) => boolean;
    stream.write = ((chunk: unknown, ...rest: unknown[]) => {
      const text =
        typeof chunk === 'string'
          ? chunk
          : chunk instanceof Uint8Array
            ? Buffer.from(chunk).toString('utf8')
            : '';
      const lines = text.split('\n').filter((line) => line.trim() !== '');
      const logLines = lines.filter(isLogLine);
      if (logLines.length > 0) {
        appendFileSync(capture.file, `${logLines.join('\n')}\n`);
        capture.canaries += logLines.filter((line) => line.includes(`"${CANARY_MESSAGE}"`)).length;
      }
      const others = lines.filter((line) => !isLogLine(line));
      if (others.length > 0) {
        appendFileSync(capture.file, `${others.map((line) => JSON.stringify({ _text: line })).join('\n')}\n`);
      }
      if (logLines.length > 0 && others.length === 0) {
        // kept off the console; still honour the write callback
        const callback = rest.find((item) => typeof item === 'function') as (() => void) | undefined;
        callback?.();
        return true;
      }
      return original(chunk, ...rest);
    }) as typeof stream.write;
  }
  return capture;
}

state[installed] ??= install();
const capture = state[installed];

beforeAll(async () => {
  const testFile = relative(process.cwd(), expect.getState().testPath ?? 'unknown');
  appendFileSync(capture.file, `${JSON.stringify({ _testFile: testFile })}\n`);
  const { logger } = await import('#shared/telemetry.ts');
  const before = capture.canaries;
  logger.info(CANARY_MESSAGE, { testFile });
  if (logger.getLevelName() !== 'INFO' || capture.canaries !== before + 1) {
    throw new Error(
      `log capture is not working in ${testFile}: level ${logger.getLevelName()}, canary ` +
        `${capture.canaries === before + 1 ? 'captured' : 'not captured'} (see test/support/log-capture.ts)`,
    );
  }
});
