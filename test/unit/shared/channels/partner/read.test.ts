import { describe, expect, it } from 'vitest';
import { PayloadError } from '#shared/channels/common/read.ts';
import { readPartner } from '#shared/channels/partner/read.ts';
import { parseSource } from '#shared/sources/loader.ts';

const parsed = parseSource(
  'partner-acme',
  'channel: partner\npartner: { apiKeys: [ACME_KEY] }\nlead:\n  FirstName: first\n  LastName: last\n',
);
if (!parsed.ok) throw new Error('invalid test source');
const facts = { source: parsed.source, receivedAt: '2026-12-04T10:00:00.000Z' };

describe('readPartner: a sample partner body for the preview', () => {
  it('reads one lead, nested objects flattened as the partner API flattens them', async () => {
    // Act
    const leads = await readPartner('{"first": "Ana", "contact": {"email": "ana@example.com"}}', facts);

    // Assess
    expect(leads.map((lead) => ({ ...lead.input.fields }))).toEqual([
      { first: 'Ana', 'contact.email': 'ana@example.com' },
    ]);
  });

  it.each([
    ['an empty batch', '[]', 'the batch is an empty list'],
    ['a batch item that is not an object', '[{"first": "Ana"}, "Luis"]', 'expected a JSON object'],
  ])('refuses %s', async (_case, sample, message) => {
    // Act
    const read = readPartner(sample, facts);

    // Assess
    await expect(read).rejects.toBeInstanceOf(PayloadError);
    await expect(read).rejects.toThrow(message);
  });
});
