import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { afterAll, beforeAll } from 'vitest';
import { createCaptureHandler } from '#functions/capture.ts';
import { lambdaContext } from '#local/poller.ts';
import type { HttpResult } from '#shared/http/response.ts';
import { secretStore } from '#shared/security/secrets.ts';
import { sourcesFrom } from '#test/support/channels.ts';
import { interceptLogLines, type LogLine } from '#test/support/fuzz/logs.ts';
import { fuzzSecrets, fuzzSourceFiles } from '#test/support/fuzz/sources.ts';
import { sqsLikeQueue } from '#test/support/fuzz/sqs.ts';

/**
 * Property-based testing of the capture path (`test/support/fuzz/`): the sources and secrets of one
 * source per channel (`sources.ts`), an SQS-faithful stub queue (`sqs.ts`), API Gateway events for
 * every route of the HTTP contract (`requests.ts`), body arbitraries per content type and wrong ones
 * (`bodies.ts`, `json.ts`, `text.ts`), each sender's payloads and signatures (`channels/<name>.ts`,
 * `auth.ts`), and the check that an answer keeps the contract (`contract.ts`: never a 5xx, JSON
 * errors with a code, or the vendor's format). This file: the real handler over those dependencies.
 */

/** The real capture handler (middy chain included) over the fuzz sources, secrets and stub queue. */
export function fuzzCapture() {
  const { sources, cleanup } = sourcesFrom(fuzzSourceFiles);
  const recording = sqsLikeQueue();
  const secrets = secretStore(async () => ({ ...fuzzSecrets }));
  const handler = createCaptureHandler(() => ({ sources, queue: recording.queue, secrets }));
  return {
    ...recording,
    cleanup,
    /** Invokes the handler as Lambda would, with a local Lambda context. */
    invoke: (event: APIGatewayProxyEventV2) =>
      handler(event, lambdaContext('leadgate-capture', 10)) as Promise<HttpResult>,
  };
}

/**
 * For a test file: the fuzz capture handler (`fuzzCapture`) with its log lines intercepted, built
 * before the file's tests and torn down after them, putting back `previousLogLevel` (the
 * `POWERTOOLS_LOG_LEVEL` the file replaced in a `vi.hoisted` block, before the logger was built).
 * `recordLogs()` starts a fresh record of the lines written from then on and returns it.
 *
 * @example
 * const harness = fuzzCaptureWithLogs(previousLogLevel);
 * const lines = harness.recordLogs();
 * await harness.capture.invoke(apiEvent(request));
 */
export function fuzzCaptureWithLogs(previousLogLevel: string | undefined) {
  let capture: ReturnType<typeof fuzzCapture> | undefined;
  let interception: ReturnType<typeof interceptLogLines> | undefined;
  let lines: LogLine[] = [];
  beforeAll(() => {
    capture = fuzzCapture();
    interception = interceptLogLines((line) => lines.push(line));
  });
  afterAll(() => {
    interception?.restore();
    capture?.cleanup();
    if (previousLogLevel === undefined) delete process.env.POWERTOOLS_LOG_LEVEL;
    else process.env.POWERTOOLS_LOG_LEVEL = previousLogLevel;
  });
  return {
    get capture() {
      if (!capture) throw new Error('fuzzCaptureWithLogs: use the handler inside a test');
      return capture;
    },
    recordLogs(): LogLine[] {
      lines = [];
      return lines;
    },
  };
}
