import { ChangeMessageVisibilityCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { leadQueue } from '#shared/queue/client.ts';

/** An SQS client that records the visibility timeouts it is asked for. */
function recordingSqs() {
  const timeouts: (number | undefined)[] = [];
  const sqs = {
    send: async (command: ChangeMessageVisibilityCommand) => {
      expect(command).toBeInstanceOf(ChangeMessageVisibilityCommand);
      timeouts.push(command.input.VisibilityTimeout);
      return {};
    },
  } as unknown as SQSClient;
  return { sqs, timeouts };
}

const urls = { leadsUrl: 'http://queue/leads', deadLetterUrl: 'http://queue/dlq' };

describe('leadQueue.delay: the retry schedule as a visibility timeout', () => {
  it('asks SQS for whole seconds within its limits (1 s to 12 h)', async () => {
    // Prepare
    const { sqs, timeouts } = recordingSqs();
    const queue = leadQueue({ sqs, ...urls });

    // Act
    for (const seconds of [3600, 0.2, 7.6, 100_000]) await queue.delay('handle', seconds);

    // Assess
    expect(timeouts).toEqual([3600, 1, 8, 43_200]);
  });

  it('compresses the same schedule by timeScale, after applying the limits', async () => {
    // Prepare
    const { sqs, timeouts } = recordingSqs();
    const queue = leadQueue({ sqs, ...urls, timeScale: 1 / 2000 });

    // Act
    for (const seconds of [3600, 0.2, 100_000]) await queue.delay('handle', seconds);

    // Assess
    expect(timeouts).toEqual([1.8, 1 / 2000, 21.6]);
  });

  it.each([0, -1, 2, Number.NaN])('refuses the time scale %d', (timeScale) => {
    // Prepare
    const { sqs } = recordingSqs();

    // Act
    const make = () => leadQueue({ sqs, ...urls, timeScale });

    // Assess
    expect(make).toThrow(RangeError);
  });
});
