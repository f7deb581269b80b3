import { afterEach, describe, expect, it } from 'vitest';
import { newEnvelope } from '#shared/channels/common/enqueue.ts';
import { leadDelivery } from '#shared/delivery/deliver.ts';
import type { OnpipelineClient } from '#shared/onpipeline/client.ts';
import { customFieldNames } from '#shared/onpipeline/custom-fields.ts';
import type { LeadQueue } from '#shared/queue/client.ts';
import { redact } from '#shared/telemetry.ts';
import { sourcesFrom } from '#test/support/channels.ts';
import { sqsRecordFactory } from '#test/support/queue.ts';

const source = `channel: form
form: { allowedOrigins: ["*"] }
lead:
  FirstName: first_name
  LastName: last_name
  OrgName: company
  Email:
    - { from: email }
  Phone:
    - { from: phone }
`;
const lead = {
  first_name: 'Maëlle',
  last_name: 'Quintana-Oyelaran',
  company: 'Brisa Textiles',
  email: 'maelle@brisa.test',
  phone: '+34 600 111 222',
};

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

/** Delivery against an Onpipeline that refuses every lead with `message` (406), recording the DLQ. */
function refusingDelivery(message: string) {
  const made = sourcesFrom({ site: source });
  cleanups.push(made.cleanup);
  const parked: Record<string, string>[] = [];
  const queue: LeadQueue = {
    async enqueue() {},
    async deadLetter(_body, attributes) {
      parked.push(attributes);
    },
    async delay() {},
  };
  const onpipeline: OnpipelineClient = {
    async sendLead() {
      return { kind: 'permanent', status: 406, reason: 'onpipeline_rejected', message };
    },
    async listCustomFields() {
      return [];
    },
    async addCustomField() {
      throw new Error('deliver never creates custom fields');
    },
  };
  const delivery = leadDelivery({
    sources: made.sources,
    onpipeline,
    customFields: customFieldNames(onpipeline),
    queue,
  });
  return { delivery, parked };
}

describe('the DLQ message attribute is redacted like a log line', () => {
  it("masks the lead's names, company, e-mail and phone in Onpipeline's error text", async () => {
    // Prepare
    const message =
      'Invalid values: LastName "Quintana-Oyelaran" too long; FirstName Maëlle; OrgName brisa textiles; ' +
      'Email maelle@brisa.test; Phone +34 600 111 222';
    const { delivery, parked } = refusingDelivery(message);
    const envelope = newEnvelope({ sourceId: 'site', channel: 'form', fields: lead, context: {} });

    // Act
    await delivery.deliver(sqsRecordFactory(envelope));

    // Assess
    const text = parked[0]?.message ?? '';
    expect(parked).toHaveLength(1);
    for (const value of ['Quintana', 'Oyelaran', 'Maëlle', 'brisa', 'Brisa', 'maelle@', '600 111 222']) {
      expect(text).not.toContain(value);
    }
    expect(text).toContain('LastName');
    expect(text).toContain('too long');
  });

  it('masks a quoted value after a name field even when the lead did not send it that way', async () => {
    // Prepare
    const { delivery, parked } = refusingDelivery(
      `{"Error":{"Message":"LastName 'Oyelaran Q.' is invalid"}}`,
    );
    const envelope = newEnvelope({ sourceId: 'site', channel: 'form', fields: lead, context: {} });

    // Act
    await delivery.deliver(sqsRecordFactory(envelope));

    // Assess
    expect(parked[0]?.message).toBe(`{"Error":{"Message":"LastName '[redacted]' is invalid"}}`);
  });
});

describe('redact', () => {
  it.each([
    ['an e-mail', 'Invalid email jane@x.test', [], 'Invalid email [email]'],
    ['a phone number', 'Phone 600 000 000 invalid', [], 'Phone [number] invalid'],
    ['a lead value, in any case', 'Person JANE DOE exists', ['Jane Doe'], 'Person [value] exists'],
    ['a value only as a whole word', 'Ana, Anabel', ['Ana'], '[value], Anabel'],
    ['a quoted value after FirstName', 'FirstName "Jane" invalid', [], 'FirstName "[redacted]" invalid'],
    ['a JSON-style City', '"City":"Madrid"', [], '"City":"[redacted]"'],
    ['nothing in a message without personal data', 'Invalid JSON', ['-', 'x'], 'Invalid JSON'],
  ])('masks %s', (_name, text, values, expected) => {
    expect(redact(text, values)).toBe(expected);
  });
});
