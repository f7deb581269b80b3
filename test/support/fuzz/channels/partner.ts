import fc from 'fast-check';
import { jsonLeaf, jsonText, jsonValue } from '#test/support/fuzz/json.ts';
import { fieldName } from '#test/support/fuzz/text.ts';

/** Partner API payloads, one lead or a batch (signed by the channel: `test/support/fuzz/auth.ts`). */

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
