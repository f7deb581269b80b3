import fc from 'fast-check';
import { jsonLeaf, jsonText } from '#test/support/fuzz/json.ts';
import { fuzzIds } from '#test/support/fuzz/sources.ts';
import { text } from '#test/support/fuzz/text.ts';

/** LinkedIn lead notifications (signed by the channel: `test/support/fuzz/auth.ts`). */

export const linkedinNotification = fc
  .record(
    {
      type: fc.oneof(
        { weight: 6, arbitrary: fc.constant('LEAD_ACTION') },
        { weight: 1, arbitrary: jsonLeaf },
      ),
      leadGenFormResponse: fc.oneof(
        fc.constantFrom(
          'urn:li:leadFormResponse:a9a29e52-c0a3-42e3-8af1-2fc83b697003-4',
          'urn:li:leadFormResponse:1',
        ),
        text.map((value) => `urn:li:leadFormResponse:${value}`),
        jsonLeaf,
      ),
      leadGenForm: fc.oneof(
        fc.constantFrom(
          `urn:li:leadGenForm:${fuzzIds.linkedinForm}`,
          `urn:li:versionedLeadGenForm:(urn:li:leadGenForm:${fuzzIds.linkedinForm},3)`,
        ),
        text,
      ),
      leadAction: fc.oneof(fc.constantFrom('CREATED', 'DELETED'), text),
      owner: fc.oneof(fc.constant({ sponsoredAccount: 'urn:li:sponsoredAccount:1' }), jsonLeaf),
      leadType: fc.constantFrom('SPONSORED', 'ORGANIZATION_PRODUCT'),
      occurredAt: fc.oneof(fc.integer(), fc.constant({ raw: '99999999999999999999' }), jsonLeaf),
    },
    { requiredKeys: ['type'] },
  )
  .map(jsonText);
