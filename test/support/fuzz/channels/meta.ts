import fc from 'fast-check';
import { idLike } from '#test/support/fuzz/channels/common.ts';
import { jsonLeaf, jsonText, jsonValue } from '#test/support/fuzz/json.ts';
import { text } from '#test/support/fuzz/text.ts';

/** Meta leadgen notifications (signed by the channel: `test/support/fuzz/auth.ts`). */

export const metaNotification = fc
  .record(
    {
      object: fc.constantFrom('page', 'user', 'x'),
      entry: fc.oneof(
        {
          weight: 6,
          arbitrary: fc.array(
            fc.record(
              {
                id: idLike,
                time: fc.integer(),
                changes: fc.array(
                  fc.record(
                    {
                      field: fc.oneof(fc.constant('leadgen'), text),
                      value: fc.oneof(
                        fc.record(
                          {
                            leadgen_id: idLike,
                            page_id: idLike,
                            form_id: idLike,
                            ad_id: idLike,
                            adgroup_id: idLike,
                            created_time: fc.oneof(
                              fc.integer(),
                              fc.double(),
                              text,
                              fc.constant({ raw: '1e400' }),
                            ),
                          },
                          { requiredKeys: [] },
                        ),
                        jsonLeaf,
                      ),
                    },
                    { requiredKeys: [] },
                  ),
                  { maxLength: 6 },
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
