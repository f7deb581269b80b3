import { afterEach, describe, expect, it } from 'vitest';
import { withGoogleKey } from '#shared/channels/google-ads/key.ts';
import { googleAds } from '#shared/channels/index.ts';
import { bodyOf, channelDeps, httpRequest, routeOf } from '#test/support/channels.ts';

const sources = {
  gads: 'channel: google-ads\ngoogleAds: { key: GADS_KEY }\nlead:\n  FirstName: FULL_NAME\n  LastName: { default: "-" }\n',
};
const lead = {
  lead_id: 'L-1',
  user_column_data: [{ column_id: 'FULL_NAME', string_value: 'Jane Doe' }],
  is_test: false,
};

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

/** The Google Ads route as the registry builds it, with the form's key set. */
function capture() {
  const made = channelDeps(sources, { GADS_KEY: 'the-form-key' });
  cleanups.push(made.cleanup);
  return { handle: routeOf(googleAds, 'POST /v1/webhooks/google-ads/{sourceId}', made.deps), ...made };
}

const post = (body: unknown) =>
  httpRequest({
    path: '/v1/webhooks/google-ads/gads',
    pathParameters: { sourceId: 'gads' },
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
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
    const { handle, enqueued } = capture();

    // Act
    const result = await handle(post(withGoogleKey(lead, 'the-form-key')));

    // Assess
    expect(result.statusCode).toBe(200);
    expect(enqueued).toHaveLength(1);
  });

  it("is refused under another key with Google's 403 {message}", async () => {
    // Prepare
    const { handle, enqueued } = capture();

    // Act
    const result = await handle(post(withGoogleKey(lead, 'another-key')));

    // Assess
    expect(result.statusCode).toBe(403);
    expect(bodyOf(result)).toEqual({ message: expect.stringContaining('google_key') });
    expect(enqueued).toHaveLength(0);
  });
});
