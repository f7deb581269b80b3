import fc from 'fast-check';
import { idLike } from '#test/support/fuzz/channels/common.ts';
import { jsonLeaf, jsonText, jsonValue } from '#test/support/fuzz/json.ts';
import { fieldName } from '#test/support/fuzz/text.ts';

/** TikTok lead notifications (signed by the channel: `test/support/fuzz/auth.ts`). */

export const tiktokNotification = fc
  .record(
    {
      object: fc.constant(1),
      entry: fc.oneof(
        {
          weight: 6,
          arbitrary: fc.array(
            fc.record(
              {
                id: idLike,
                advertiser_id: idLike,
                page_id: idLike,
                campaign_id: idLike,
                create_time: fc.integer(),
                changes: fc.oneof(
                  fc.array(
                    fc.record(
                      { field: fieldName, value: fc.oneof(jsonLeaf, fc.array(jsonLeaf, { maxLength: 3 })) },
                      { requiredKeys: [] },
                    ),
                    { maxLength: 8 },
                  ),
                  jsonLeaf,
                ),
              },
              { requiredKeys: [] },
            ),
            { maxLength: 4 },
          ),
        },
        { weight: 1, arbitrary: jsonValue },
      ),
    },
    { requiredKeys: [] },
  )
  .map(jsonText);
