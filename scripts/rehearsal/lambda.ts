import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/**
 * One function of the deploy rehearsal, run like a Lambda execution environment: its package in a
 * child process of its own (fresh module state; the handler loaded once at start, as at a cold
 * start), only the environment the template gives it plus what Lambda itself sets, one invocation at
 * a time, each bounded by the function's timeout. See docs/operations.md, "Deploy rehearsal".
 */
export interface RehearsalLambda {
  /** Invokes the handler with `event`; rejects with the handler's error or a timeout. */
  invoke(event: unknown): Promise<unknown>;
  /** Everything the function wrote to stdout and stderr (its logs). */
  output(): string;
  stop(): Promise<void>;
}

export interface LambdaOptions {
  name: string;
  /** The local copy of the function's package (what Lambda unpacks into /var/task). */
  taskRoot: string;
  /** The template's `Handler`, e.g. `index.handler`. */
  handler: string;
  timeoutSeconds: number;
  memoryMb: number;
  /** The function's environment variables (template values, resolved) and Lambda's own. */
  environment: Record<string, string>;
}

const RUNNER = fileURLToPath(new URL('./runner.ts', import.meta.url));

export async function startLambda(options: LambdaOptions): Promise<RehearsalLambda> {
  let output = '';
  let nextId = 0;
  let queue: Promise<unknown> = Promise.resolve();
  const child: ChildProcess = fork(RUNNER, [], {
    cwd: options.taskRoot,
    execArgv: [],
    silent: true,
    env: {
      ...options.environment,
      _HANDLER: options.handler,
      LAMBDA_TASK_ROOT: options.taskRoot,
      AWS_LAMBDA_FUNCTION_NAME: options.name,
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(options.memoryMb),
      AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
      AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x',
      TZ: ':UTC',
    },
  });
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString('utf8');
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString('utf8');
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  // a send to a child that is gone is answered below (`Runtime exited`), not thrown at the parent
  child.on('error', () => undefined);
  const alive = () => child.exitCode === null && child.signalCode === null;

  await new Promise<void>((resolve, reject) => {
    const onMessage = (message: { type: string; message?: string }) => {
      if (message.type === 'ready') resolve();
      else if (message.type === 'init-error')
        reject(new Error(`${options.name}: init failed: ${message.message}`));
    };
    child.on('message', onMessage);
    child.once('exit', (code) =>
      reject(new Error(`${options.name}: exited during init (code ${code})\n${output}`)),
    );
  });

  const invokeOnce = (event: unknown) =>
    new Promise<unknown>((resolve, reject) => {
      const id = ++nextId;
      const timeoutMs = options.timeoutSeconds * 1000;
      if (!alive()) {
        reject(new Error(`${options.name}: Runtime exited`));
        return;
      }
      const done = () => {
        clearTimeout(timer);
        child.off('message', onMessage);
        child.off('exit', onExit);
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`${options.name}: Task timed out after ${options.timeoutSeconds} seconds`));
      }, timeoutMs);
      const onExit = (code: number | null) => {
        done();
        reject(new Error(`${options.name}: Runtime exited with code ${code} during the invocation`));
      };
      const onMessage = (message: { type: string; id?: number; result?: unknown; message?: string }) => {
        if (message.id !== id) return;
        done();
        if (message.type === 'result') resolve(message.result);
        else reject(new Error(`${options.name}: ${message.message}`));
      };
      child.on('message', onMessage);
      child.once('exit', onExit);
      child.send({ type: 'invoke', id, event, deadline: Date.now() + timeoutMs });
    });

  return {
    invoke(event) {
      const run = queue.then(() => invokeOnce(event));
      queue = run.catch(() => undefined);
      return run;
    },
    output: () => output,
    async stop() {
      if (alive()) child.kill('SIGTERM');
      await exited;
    },
  };
}
