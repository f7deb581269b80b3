/**
 * Google Ads lead forms sign nothing: the key typed into the lead form's webhook settings travels
 * inside the JSON body as `google_key` (https://developers.google.com/google-ads/webhook/docs/implementation),
 * and capture compares it with the source's `googleAds.key` secret in constant time. So the channel
 * has no `sign` (the contract's signers return headers); this is its counterpart for the CLI's
 * send-test, the fakes and the tests (docs/architecture.md, "The channel contract and the registry").
 *
 * @example
 * JSON.stringify(withGoogleKey({ lead_id: 'L-1', user_column_data: [] }, key)); // {"lead_id":"L-1",…,"google_key":"…"}
 */
export function withGoogleKey<T extends object>(lead: T, key: string): T & { google_key: string } {
  return { ...lead, google_key: key };
}
