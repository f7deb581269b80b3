import { describe, expect, it } from 'vitest';
import { readGoogleAds } from '#shared/channels/google-ads/read.ts';
import { parseSource } from '#shared/sources/loader.ts';

const parsed = parseSource(
  'google-spring',
  'channel: google-ads\ngoogleAds: { key: GOOGLE_SPRING_KEY }\nlead:\n  FirstName: FIRST_NAME\n  LastName: LAST_NAME\n',
);
if (!parsed.ok) throw new Error('invalid test source');
const facts = { source: parsed.source, receivedAt: '2026-12-04T10:00:00.000Z' };

describe('readGoogleAds: a sample Google Ads lead for the preview', () => {
  it.each([
    ['a flat object of field → value', '{"FIRST_NAME": "Ana"}'],
    ['an object whose user_column_data is not a list', '{"FIRST_NAME": "Ana", "user_column_data": {}}'],
  ])('reads %s as one lead', async (_case, sample) => {
    // Act
    const leads = await readGoogleAds(sample, facts);

    // Assess
    expect(leads).toHaveLength(1);
    expect(leads[0]?.input.fields.FIRST_NAME).toBe('Ana');
  });
});
