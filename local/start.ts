/**
 * `npm start`: leadgate on one machine. Prints where everything is and stops cleanly on Ctrl-C;
 * queued leads survive a restart (state in `.leadgate/`).
 */
import { formatProblem, SourceConfigError } from '#shared/sources/errors.ts';

// CloudWatch metrics (EMF lines) mean nothing on one machine; set before the handlers load.
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
const { PortInUseError, startRuntime } = await import('#local/runtime.ts');
const { rateLimitSettings } = await import('#local/rate-limit.ts');
const { logger } = await import('#shared/telemetry.ts');
const { terminalLogWanted, useTerminalLog } = await import('#local/terminal-log.ts');
// One readable line per event at a terminal; JSON (as on AWS) when piped or LEADGATE_LOG_FORMAT=json.
if (terminalLogWanted(process.env, process.stdout.isTTY === true)) useTerminalLog(logger);

const port = Number(process.env.PORT ?? 3000);
const optionalNumber = (name: string) =>
  process.env[name] ? { value: Number(process.env[name]) } : undefined;
const visibility = optionalNumber('LEADGATE_VISIBILITY_TIMEOUT');
const deliverTimeout = optionalNumber('LEADGATE_DELIVER_TIMEOUT');
const pollWait = optionalNumber('LEADGATE_POLL_WAIT');
const onpipelineUrl = process.env.ONPIPELINE_URL;
const { CaptchaSettingError, VERIFY_URL_SETTINGS } = await import('#shared/channels/form/captcha.ts');

try {
  const rateLimit = rateLimitSettings(process.env);
  const runtime = await startRuntime({
    port,
    sandboxPort: Number(process.env.SANDBOX_PORT ?? 3001),
    queuePort: Number(process.env.QUEUE_PORT ?? 3002),
    sourcesDir: process.env.SOURCES_DIR ?? 'sources',
    dataDir: process.env.LEADGATE_DATA_DIR ?? '.leadgate',
    ...(visibility ? { visibilityTimeoutSeconds: visibility.value } : {}),
    ...(deliverTimeout ? { deliverTimeoutSeconds: deliverTimeout.value } : {}),
    ...(pollWait ? { pollWaitSeconds: pollWait.value } : {}),
    ...(onpipelineUrl ? { onpipelineUrl } : {}),
    ...(rateLimit ? { rateLimit } : {}),
    // CAPTCHA: *_VERIFY_URL settings; unset providers use the local stand-in (local/fakes/captcha.ts)
    captchaVerifyUrls: Object.fromEntries(
      Object.values(VERIFY_URL_SETTINGS).map((name) => [name, process.env[name]]),
    ),
  });
  console.log(`
leadgate is running on this machine

  Dashboard + demo  ${runtime.gatewayUrl}/
  API               ${runtime.gatewayUrl}/v1/forms/{sourceId}   (health: ${runtime.gatewayUrl}/health)
  Onpipeline        ${runtime.sandboxUrl ? `${runtime.sandboxUrl}/  (sandbox; received leads as JSON at ${runtime.sandboxUrl}/_sandbox/leads)` : `${onpipelineUrl} (real API, token from ONPIPELINE_TOKEN)`}
  Queue (SQS API)   ${runtime.queueEndpoint}   queues: leads, leads-dlq
  CAPTCHA verify    ${runtime.captchaFakeUrl ? `${runtime.captchaFakeUrl}  (local stand-in: the providers' test keys only; *_VERIFY_URL to change)` : 'the providers (*_VERIFY_URL)'}
  State             ${process.env.LEADGATE_DATA_DIR ?? '.leadgate'}/   Sources: ${process.env.SOURCES_DIR ?? 'sources'}/*.yaml (saved edits apply within a second; invalid ones are reported here)

Press Ctrl-C to stop.
`);
  for (const warning of runtime.warnings) console.warn(`${warning}\n`);
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: stopping (finishing the current batch)...`);
    await runtime.stop();
    console.log(
      `stopped; queued leads are kept in ${process.env.LEADGATE_DATA_DIR ?? '.leadgate'}/ for the next start.`,
    );
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
} catch (error) {
  if (error instanceof SourceConfigError) {
    console.error('leadgate cannot start: a source config is invalid.');
    for (const problem of error.problems) console.error(`  ${formatProblem(problem)}`);
  } else if (error instanceof CaptchaSettingError) {
    console.error(`leadgate cannot start: ${error.message}`);
  } else if (error instanceof PortInUseError) {
    console.error(
      `leadgate cannot start: ${error.message}. Is leadgate already running? ` +
        `Set ${error.variable} to use another port.`,
    );
  } else if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
    console.error(
      `leadgate cannot start: ${(error as Error).message}. Is it already running? Set PORT to use another port.`,
    );
  } else {
    console.error('leadgate cannot start:', error);
  }
  process.exit(1);
}
