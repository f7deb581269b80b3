import { afterAll, describe, expect, it } from 'vitest';
import { createDeliverHandler } from '#functions/deliver.ts';
import { lambdaContext } from '#local/poller.ts';
import { phoneRulesLoaded } from '#shared/mapping/phone.ts';
import type { OnpipelineClient } from '#shared/onpipeline/client.ts';
import { customFieldNames } from '#shared/onpipeline/custom-fields.ts';
import type { LeadsinBody } from '#shared/onpipeline/schema.ts';
import { sourcesFrom } from '#test/support/channels.ts';
import { envelopeFactory, recordingLeadQueue, sqsRecordFactory } from '#test/support/queue.ts';

/**
 * The deliver function with a source whose mapping uses `e164`, from a cold start: the phone rules
 * are loaded by the first lead of such a source, never by other sources (docs/architecture.md,
 * "Cold start"). Nothing in this file loads them beforehand (vitest gives each test file its own
 * modules).
 */

const { sources, cleanup } = sourcesFrom({
  plain: `channel: form
form: { allowedOrigins: ["*"] }
lead:
  FirstName: first_name
  LastName: last_name
  Phone: [{ from: phone, transform: digits }]
`,
  uk: `channel: form
form: { allowedOrigins: ["*"] }
lead:
  FirstName: first_name
  LastName: last_name
  Phone: [{ from: phone, transform: e164, defaultCountry: { from: country, default: GB } }]
`,
});
afterAll(cleanup);

/** A deliver handler over an Onpipeline that accepts every lead and keeps the bodies it was sent. */
function recordingHandler() {
  const sent: LeadsinBody[] = [];
  const onpipeline: OnpipelineClient = {
    sendLead: async (body) => {
      sent.push(body);
      return { kind: 'delivered', status: 201, leadId: String(sent.length) };
    },
    listCustomFields: async () => [],
    addCustomField: async () => {
      throw new Error('deliver never creates custom fields');
    },
  };
  const handler = createDeliverHandler(() => ({
    sources,
    onpipeline,
    customFields: customFieldNames(onpipeline),
    queue: recordingLeadQueue().queue,
    retryDelay: () => 1,
  }));
  return { handler, sent };
}

const typed = (sourceId: string) =>
  envelopeFactory({
    sourceId,
    fields: { first_name: 'Ada', last_name: 'Lovelace', phone: '020 7946 0958' },
  });

describe('deliver, a source whose mapping uses e164', () => {
  it('sends its first lead in E.164, and only its lead loads the phone rules', async () => {
    // Prepare
    const { handler, sent } = recordingHandler();

    // Act
    const plain = await handler({ Records: [sqsRecordFactory(typed('plain'))] }, lambdaContext());
    const loadedAfterPlain = phoneRulesLoaded();
    const uk = await handler({ Records: [sqsRecordFactory(typed('uk'))] }, lambdaContext());

    // Assess
    expect(plain.batchItemFailures).toEqual([]);
    expect(loadedAfterPlain).toBe(false);
    expect(uk.batchItemFailures).toEqual([]);
    expect(phoneRulesLoaded()).toBe(true);
    expect(sent.map((body) => body.Phone?.[0]?.Number)).toEqual(['02079460958', '+442079460958']);
  });
});
