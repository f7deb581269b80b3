import { describe, expect, it } from 'vitest';
import { deliveryDeps } from '#functions/delivery-deps.ts';
import { captureDeps } from '#functions/deps.ts';
import { captchaVerifyUrls } from '#shared/channels/form/captcha.ts';
import { leadDelivery, RetryLaterError } from '#shared/delivery/deliver.ts';
import type { OnpipelineClient } from '#shared/onpipeline/client.ts';
import { secretStore } from '#shared/security/secrets.ts';
import { sourcesFrom } from '#test/support/channels.ts';
import { envelopeFactory, recordingLeadQueue, sqsRecordFactory } from '#test/support/queue.ts';

/** The one-machine runtime brings its own parts: the builders must use them, not the environment's. */

const files = {
  'deliver-form':
    'channel: form\nform: { allowedOrigins: ["*"] }\nlead:\n  FirstName: first_name\n  LastName: last_name\n',
};

describe('captureDeps', () => {
  it("keeps the runtime's clock, sources, queue and secrets", () => {
    // Prepare
    const { sources, cleanup } = sourcesFrom(files);
    const { queue } = recordingLeadQueue();
    const secrets = secretStore(async () => ({}));
    const now = () => new Date('2026-12-04T10:00:00Z');
    const captcha = { urls: captchaVerifyUrls({}) };

    // Act
    const deps = captureDeps({ sources, queue, secrets, now, captcha });
    cleanup();

    // Assess
    expect(deps).toEqual({ sources, queue, secrets, now, captcha });
  });
});

describe('deliveryDeps', () => {
  it("uses the runtime's observer and backoff for a lead to retry", async () => {
    // Prepare
    const { sources, cleanup } = sourcesFrom(files);
    const recording = recordingLeadQueue();
    const onpipeline: OnpipelineClient = {
      sendLead: async () => ({ kind: 'transient', status: 503, message: 'down', ambiguous: false }),
      listCustomFields: async () => [],
      addCustomField: async () => ({ existed: true }),
    };
    const observed: string[] = [];
    const deps = deliveryDeps({
      sources,
      queue: recording.queue,
      onpipeline,
      secrets: secretStore(async () => ({})),
      observe: (attempt) => observed.push(attempt.outcome.kind),
      retryDelay: () => 42,
    });
    const record = sqsRecordFactory(envelopeFactory());

    // Act
    const failure = await leadDelivery(deps)
      .deliver(record)
      .catch((error: unknown) => error);
    cleanup();

    // Assess
    expect(failure).toBeInstanceOf(RetryLaterError);
    expect(observed).toEqual(['transient']);
    expect(recording.delays()).toEqual([{ op: 'delay', receiptHandle: record.receiptHandle, seconds: 42 }]);
  });
});
