import { describe, expect, it } from 'vitest';
import { withGoogleKey } from '#shared/channels/google-ads/key.ts';
import { googleAds } from '#shared/channels/index.ts';
import { bodyOf, postingTo } from '#test/support/channels.ts';

const sources = {
  gads: 'channel: google-ads\ngoogleAds: { key: GADS_KEY }\nlead:\n  FirstName: FULL_NAME\n  LastName: { default: "-" }\n',
};
const lead = {
  lead_id: 'L-1',
  user_column_data: [{ column_id: 'FULL_NAME', string_value: 'Jane Doe' }],
  is_test: false,
};

/** The Google Ads route as the registry builds it, with the form's key set. */
const capture = () =>
  postingTo(googleAds, 'POST /v1/webhooks/google-ads/{sourceId}', {
    sources,
    secrets: { GADS_KEY: 'the-form-key' },
    pathParameters: { sourceId: 'gads' },
  });

describe('withGoogleKey', () => {
  it('puts the key where Google sends it, next to the lead, without changing the lead', () => {
    // Act
    const body = withGoogleKey(lead, 'the-form-key');

    // Assess
    expect(body).toEqual({ ...lead, google_key: 'the-form-key' });
    expect(lead).not.toHaveProperty('google_key');
  });

  it('keys a lead as capture accepts it', async () => {
    // Prepare
    const { post, enqueued } = capture();

    // Act
    const result = await post(JSON.stringify(withGoogleKey(lead, 'the-form-key')));

    // Assess
    expect(result.statusCode).toBe(200);
    expect(enqueued).toHaveLength(1);
  });

  it("is refused under another key with Google's 403 {message}", async () => {
    // Prepare
    const { post, enqueued } = capture();

    // Act
    const result = await post(JSON.stringify(withGoogleKey(lead, 'another-key')));

    // Assess
    expect(result.statusCode).toBe(403);
    expect(bodyOf(result)).toEqual({ message: expect.stringContaining('google_key') });
    expect(enqueued).toHaveLength(0);
  });
});
