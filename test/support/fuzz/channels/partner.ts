import fc from 'fast-check';
import { signStandardWebhook } from '#shared/security/signatures.ts';
import { jsonLeaf, jsonText, jsonValue } from '#test/support/fuzz/json.ts';
import { fuzzSecrets } from '#test/support/fuzz/sources.ts';
import { fieldName } from '#test/support/fuzz/text.ts';

/** Partner API payloads (one lead or a batch) and the Standard Webhooks signer. */

const partnerLead = fc.dictionary(fieldName, jsonValue, { maxKeys: 8 });
export const partnerPayload = fc
  .oneof(
    { weight: 3, arbitrary: partnerLead },
    {
      weight: 2,
      arbitrary: fc.array(
        fc.oneof({ weight: 5, arbitrary: partnerLead }, { weight: 1, arbitrary: jsonLeaf }),
        { maxLength: 7 },
      ),
    },
  )
  .map(jsonText);

/** The Standard Webhooks headers a partner sends for `body` at `at`. */
export function signPartner(body: Buffer, at = new Date()): Record<string, string> {
  const id = `msg_fuzz_${at.getTime()}`;
  const timestamp = String(Math.floor(at.getTime() / 1000));
  return {
    'webhook-id': id,
    'webhook-timestamp': timestamp,
    'webhook-signature': signStandardWebhook(fuzzSecrets.FZ_PARTNER_SIGNING, id, timestamp, body),
  };
}
