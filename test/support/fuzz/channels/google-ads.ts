import fc from 'fast-check';
import { idLike } from '#test/support/fuzz/channels/common.ts';
import { jsonLeaf, jsonText, jsonValue } from '#test/support/fuzz/json.ts';
import { fuzzSecrets } from '#test/support/fuzz/sources.ts';
import { text } from '#test/support/fuzz/text.ts';

/** Google Ads lead form webhook payloads. */

export const googleLead = fc
  .record(
    {
      lead_id: idLike,
      google_key: fc.oneof(
        { weight: 6, arbitrary: fc.constant(fuzzSecrets.FZ_GOOGLE_KEY) },
        { weight: 1, arbitrary: jsonLeaf },
      ),
      user_column_data: fc.oneof(
        {
          weight: 6,
          arbitrary: fc.array(
            fc.record(
              {
                column_id: fc.oneof(fc.constantFrom('FULL_NAME', 'EMAIL', 'PHONE_NUMBER'), text),
                column_name: text,
                string_value: jsonLeaf,
              },
              { requiredKeys: [] },
            ),
            { maxLength: 8 },
          ),
        },
        { weight: 1, arbitrary: jsonValue },
      ),
      campaign_id: idLike,
      form_id: idLike,
      gcl_id: text,
      is_test: fc.oneof(fc.boolean(), fc.constant('true'), jsonLeaf),
      api_version: fc.constant('1.0'),
      lead_submit_time: text,
    },
    { requiredKeys: ['google_key'] },
  )
  .map(jsonText);
