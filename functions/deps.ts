import type { ChannelDeps } from '#shared/channels/channel.ts';
import { captchaVerifyUrls } from '#shared/channels/form/captcha.ts';
import { env, setting } from '#shared/config.ts';
import { leadQueue, sqsClient } from '#shared/queue/client.ts';
import { secretsFromEnvironment } from '#shared/security/secrets.ts';
import { sourcesFromEnvironment } from '#shared/sources/appconfig.ts';

/**
 * The dependency builders of the functions: capture's here, deliver's in `#functions/delivery-deps.ts`
 * (apart, so capture's bundle carries none of deliver's clients: docs/architecture.md, "Cold start").
 * On AWS (`captureDepsFromEnvironment`, `deliveryDepsFromEnvironment`) every part comes from the
 * environment; the one-machine runtime (`local/runtime.ts`) passes its own parts (embedded queue, live
 * sources, local secret stores, sandbox client, fakes' URLs) and only the rest is read from the
 * environment.
 */

/**
 * Capture's dependencies: sources, the leads queue and the gateway's secrets.
 *
 * @example
 * const capture = createCaptureHandler(() => captureDeps({ sources, queue, secrets }));
 */
export function captureDeps(overrides: Partial<ChannelDeps> = {}): ChannelDeps {
  return {
    sources: overrides.sources ?? sourcesFromEnvironment(),
    queue:
      overrides.queue ??
      leadQueue({
        sqs: sqsClient(),
        leadsUrl: requiredSetting(env.leadsQueueUrl),
        deadLetterUrl: setting(env.deadLetterQueueUrl, ''),
      }),
    secrets: overrides.secrets ?? secretsFromEnvironment('gateway'),
    // TURNSTILE_/HCAPTCHA_/RECAPTCHA_VERIFY_URL: a bad one stops the function here, at start
    captcha: overrides.captcha ?? { urls: captchaVerifyUrls(process.env) },
    ...(overrides.now ? { now: overrides.now } : {}),
  };
}

function requiredSetting(name: string): string {
  const value = setting(name);
  if (!value) throw new Error(`environment variable ${name} is not set`);
  return value;
}
