import { describe, expect, it } from 'vitest';
import { PayloadError } from '#shared/channels/common/read.ts';
import { readTiktok } from '#shared/channels/tiktok/read.ts';
import { parseSource } from '#shared/sources/loader.ts';

const parsed = parseSource(
  'tiktok-spring',
  'channel: tiktok\ntiktok: { advertiserId: "7000000000000000001" }\nlead:\n  FirstName: first_name\n  LastName: last_name\n',
);
if (!parsed.ok) throw new Error('invalid test source');
const facts = { source: parsed.source, receivedAt: '2026-12-04T10:00:00.000Z' };

describe('readTiktok: a sample TikTok notification for the preview', () => {
  it('reads one entry pasted on its own', async () => {
    // Act
    const leads = await readTiktok('{"id": 1, "changes": [{"field": "first_name", "value": "Ana"}]}', facts);

    // Assess
    expect(leads.map((lead) => lead.input.fields.first_name)).toEqual(['Ana']);
  });

  it.each([
    ['a flat object of field → value', '{"first_name": "Ana"}'],
    ['an object whose changes are not a list', '{"first_name": "Ana", "changes": "x"}'],
  ])('reads %s as one lead', async (_case, sample) => {
    // Act
    const leads = await readTiktok(sample, facts);

    // Assess
    expect(leads).toHaveLength(1);
    expect(leads[0]?.input.fields.first_name).toBe('Ana');
  });

  it.each([
    ['an empty entry list', '{"entry": []}', 'the notification has an empty entry list'],
    ['an entry that is not an object', '{"entry": [1]}', 'every entry must be an object with changes'],
    ['a JSON list', '[1]', 'expected a JSON object of field names and values'],
  ])('refuses %s with a message for the user', async (_case, sample, message) => {
    // Act
    const read = readTiktok(sample, facts);

    // Assess
    await expect(read).rejects.toBeInstanceOf(PayloadError);
    await expect(read).rejects.toThrow(message);
  });
});
