import { isRecord } from '#test/support/fuzz/json.ts';

/** A structured log line as Powertools Logger writes it (one JSON object per line). */
export type LogLine = Record<string, unknown> & { level: string; message: string };

/**
 * Takes over `process.stdout` and `process.stderr` writes (where Powertools Logger's console writes)
 * and hands every structured log line to `onLine` instead of printing it; other output passes
 * through. `restore()` puts the streams back.
 */
export function interceptLogLines(onLine: (line: LogLine) => void) {
  return interceptLines(parseLogLine, onLine);
}

/**
 * Takes over `process.stdout` and `process.stderr` writes: a chunk whose every line `parse` reads
 * (Powertools log lines, EMF metric lines: `parseJsonObject`) goes to `onLine` instead of the console;
 * other output passes through. `restore()` puts the streams back.
 *
 * @example
 * const lines: Record<string, unknown>[] = [];
 * const { restore } = interceptLines(parseJsonObject, (line) => lines.push(line));
 */
export function interceptLines<T>(parse: (text: string) => T | undefined, onLine: (line: T) => void) {
  const streams = [process.stdout, process.stderr];
  const originals = streams.map((stream) => stream.write);
  streams.forEach((stream, index) => {
    const original = originals[index] as typeof stream.write;
    stream.write = ((chunk: unknown, ...rest: unknown[]) => {
      const textChunk =
        typeof chunk === 'string' ? chunk : Buffer.isBuffer(chunk) ? chunk.toString('utf8') : undefined;
      const lines = textChunk?.split('\n').filter((line) => line.trim() !== '') ?? [];
      const parsed = lines.map(parse);
      if (parsed.length > 0 && parsed.every((line) => line !== undefined)) {
        for (const line of parsed) onLine(line as T);
        const callback = rest.find((item) => typeof item === 'function') as (() => void) | undefined;
        callback?.();
        return true;
      }
      return (original as (...args: unknown[]) => boolean).call(stream, chunk, ...rest);
    }) as typeof stream.write;
  });
  return {
    restore() {
      streams.forEach((stream, index) => {
        stream.write = originals[index] as typeof stream.write;
      });
    },
  };
}

/** The JSON object in `text` (a log or EMF line), or undefined when it is not one. */
export function parseJsonObject(text: string): Record<string, unknown> | undefined {
  if (!text.trimStart().startsWith('{')) return undefined;
  try {
    const value: unknown = JSON.parse(text);
    return isRecord(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

/** The log line in `text`, or undefined when it is not a Powertools JSON line. */
export function parseLogLine(text: string): LogLine | undefined {
  if (!text.trimStart().startsWith('{')) return undefined;
  try {
    const value: unknown = JSON.parse(text);
    return isRecord(value) && typeof value.level === 'string' && typeof value.message === 'string'
      ? (value as LogLine)
      : undefined;
  } catch {
    return undefined;
  }
}
