/**
 * The child process of one rehearsal Lambda (scripts/rehearsal/lambda.ts): loads the handler the way
 * the Node.js Lambda runtime does, from `LAMBDA_TASK_ROOT` and `_HANDLER` (`index.handler` → the
 * export `handler` of `index.js`, a CommonJS file in a folder without package.json), once, then runs
 * one invocation at a time as the parent asks over IPC. See docs/operations.md, "Deploy rehearsal".
 */
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

type Handler = (event: unknown, context: unknown) => Promise<unknown>;
type Request = { type: 'invoke'; id: number; event: unknown; deadline: number };

const send = (message: unknown) => process.send?.(message);

function load(): Handler {
  const taskRoot = process.env.LAMBDA_TASK_ROOT ?? process.cwd();
  const spec = process.env._HANDLER ?? '';
  const dot = spec.lastIndexOf('.');
  if (dot <= 0) throw new Error(`Bad handler ${spec}: expected <module>.<export>`);
  const [modulePath, exportName] = [spec.slice(0, dot), spec.slice(dot + 1)];
  if (existsSync(join(taskRoot, 'package.json'))) {
    throw new Error(
      'the package holds a package.json: Lambda would read its "type" and may load index.js differently',
    );
  }
  const file = ['.js', '.cjs'].map((extension) => join(taskRoot, modulePath + extension)).find(existsSync);
  if (!file) throw new Error(`Cannot find module ${modulePath} (.js or .cjs) in ${taskRoot}`);
  const loaded = createRequire(join(taskRoot, 'noop.js'))(file) as Record<string, unknown>;
  const handler = loaded[exportName];
  if (typeof handler !== 'function')
    throw new Error(`${modulePath}.${exportName} is not a function exported by ${file}`);
  return handler as Handler;
}

function context(deadline: number) {
  const name = process.env.AWS_LAMBDA_FUNCTION_NAME ?? 'rehearsal';
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: name,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${process.env.AWS_REGION}:000000000000:function:${name}`,
    memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE ?? '128',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${name}`,
    logStreamName: 'rehearsal',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

let handler: Handler;
try {
  handler = load();
  send({ type: 'ready' });
} catch (error) {
  send({ type: 'init-error', message: error instanceof Error ? error.message : String(error) });
  process.exit(1);
}

process.on('message', (request: Request) => {
  if (request.type !== 'invoke') return;
  Promise.resolve()
    .then(() => handler(request.event, context(request.deadline)))
    .then(
      (result) => send({ type: 'result', id: request.id, result: result ?? null }),
      (error: unknown) =>
        send({
          type: 'error',
          id: request.id,
          message: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
        }),
    );
});
