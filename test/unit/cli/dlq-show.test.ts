import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { bufferIo } from '#cli/io.ts';
import { main } from '#cli/leadgate.ts';
import { customFieldsCacheText } from '#shared/preview/custom-fields-cache.ts';
import { parkedOnce } from '#test/support/sqs-aws.ts';

const DLQ_URL = 'https://sqs.eu-west-1.amazonaws.com/123456789012/leadgate-leads-dlq';

const partner = `channel: partner
partner: { apiKeys: [ACME_KEY] }
lead:
  FirstName: first_name
  LastName: last_name
  Extra:
    - { name: Lead source, value: Partner }
    - { id: "1411084438", from: campaign }
`;

const envelope = {
  v: 1,
  id: '01JLEAD',
  sourceId: 'acme',
  channel: 'partner',
  receivedAt: '2025-01-01T10:00:00.000Z',
  dedupeKey: 'partner:01JLEAD',
  fields: { first_name: 'Ana', last_name: 'Ruiz', campaign: 'spring' },
  context: {},
};

/** SQS on AWS with one parked lead of the acme source, served once per listing. */
const parkedLead = () =>
  parkedOnce(envelope, { reason: 'mapping_failed', attempts: '1', configVersion: '7' });

describe('leadgate dlq show: custom fields', () => {
  const folders: string[] = [];
  afterEach(() => {
    for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
  });
  const show = async (cache?: { Name: string; ID: string }[], json = false) => {
    const root = mkdtempSync(join(tmpdir(), 'leadgate-dlq-show-'));
    folders.push(root);
    mkdirSync(join(root, 'sources'));
    writeFileSync(join(root, 'sources', 'acme.yaml'), partner);
    if (cache) {
      writeFileSync(
        join(root, 'sources', 'custom-fields.json'),
        customFieldsCacheText({ Persons: cache, Organizations: [], Deals: [] }),
      );
    }
    const io = bufferIo({ cwd: root, awsSqs: parkedLead });
    const code = await main(['dlq', 'show', 'm-1', '--dlq-url', DLQ_URL, ...(json ? ['--json'] : [])], io);
    return { code, out: io.stdout() };
  };

  it('shows the custom fields by ID and name from the cache, ready to send', async () => {
    // Act
    const text = await show([
      { Name: 'Lead source', ID: '1411084437' },
      { Name: 'UTM campaign', ID: '1411084438' },
    ]);

    // Assess
    expect(text.code).toBe(0);
    expect(text.out).toContain('✔ a redrive would send this Leadsin body');
    expect(text.out).toMatch(/Sources version +7\n/);
    expect(text.out).toMatch(/Custom fields\n {2}1411084437: Lead source\n {2}1411084438: UTM campaign/);
  });

  it('never says a body with an unresolved name is ready to send', async () => {
    // Act
    const text = await show();
    const json = await show(undefined, true);

    // Assess
    expect(text.code).toBe(0);
    expect(text.out).not.toContain('a redrive would send');
    expect(text.out).toContain('✘ not ready to send: custom field "Lead source" not resolved to an ID');
    expect(text.out).toContain('run leadgate fields pull');
    expect(JSON.parse(json.out).now).toMatchObject({
      kind: 'body',
      unresolved: ['Lead source'],
      customFields: [{ ID: '1411084438' }],
    });
  });

  it('says what is wrong when the cache does not have the name', async () => {
    // Act
    const text = await show([{ Name: 'UTM campaign', ID: '1411084438' }]);

    // Assess
    expect(text.out).toContain('✘ still refused by the mapping');
    expect(text.out).toContain('custom field "Lead source" is not defined in Onpipeline');
  });
});
