import { describe, expect, it } from 'vitest';
import { readMeta } from '#shared/channels/meta/read.ts';
import { parseSource } from '#shared/sources/loader.ts';

const parsed = parseSource(
  'meta-spring',
  'channel: meta\nmeta: { pageId: "104", formIds: ["55"], pageToken: META_PAGE_TOKEN }\n' +
    'lead:\n  FirstName: first_name\n  LastName: last_name\n',
);
if (!parsed.ok) throw new Error('invalid test source');
const facts = { source: parsed.source, receivedAt: '2026-12-04T10:00:00.000Z' };

describe('readMeta: a sample Meta lead for the preview', () => {
  it('reads field_data of every shape the Graph API could give as deliver does, skipping what has no name', async () => {
    // Prepare
    const sample = JSON.stringify({
      field_data: [
        'not a field',
        { values: ['no name'] },
        { name: 'first_name', values: 'Ana' },
        { name: 'budget', values: [5000] },
        { name: 'topics', values: ['Pricing', null, 'Demo', 'Support'] },
      ],
    });

    // Act
    const [lead] = await readMeta(sample, facts);

    // Assess
    expect({ ...lead?.input.fields }).toEqual({
      first_name: 'Ana',
      budget: '5000',
      topics: 'Pricing, Demo, Support',
    });
    expect(lead?.input.context).not.toHaveProperty('meta.leadgen_id');
  });

  it('reads a flat object of field → value as one lead', async () => {
    // Act
    const [lead] = await readMeta('{"first_name": "Ana", "last_name": "Ruiz"}', facts);

    // Assess
    expect({ ...lead?.input.fields }).toEqual({ first_name: 'Ana', last_name: 'Ruiz' });
  });
});
