import { afterEach, describe, expect, it } from 'vitest';
import { attributionContext } from '#shared/channels/form/attribution.ts';
import { formChannel } from '#shared/channels/form/channel.ts';
import type { InputFields } from '#shared/envelope.ts';
import { dryRun } from '#shared/mapping/mappers.ts';
import { leadInputs } from '#shared/preview/payloads.ts';
import { sourceConfigSchema } from '#shared/sources/schema.ts';
import { httpRequest, recordingQueue, sourcesFrom } from '#test/support/channels.ts';

/** The fields `GET /leadgate.js` adds for a first and a last touch (shared/attribution/script.ts). */
const scriptFields: InputFields = {
  lg_first_utm_source: 'newsletter',
  lg_first_utm_medium: 'email',
  lg_first_utm_campaign: 'spring',
  lg_first_utm_term: 'crm',
  lg_first_utm_content: 'banner',
  lg_first_gclid: 'g-first',
  lg_first_landing: 'https://www.example.com/offer',
  lg_first_referrer: 'https://news.example.net/',
  lg_last_utm_source: 'tiktok',
  lg_last_utm_campaign: 'summer',
  lg_last_gbraid: 'gb-1',
  lg_last_wbraid: 'wb-1',
  lg_last_fbclid: 'fb-1',
  lg_last_msclkid: 'ms-1',
  lg_last_ttclid: 'tt-1',
  lg_last_li_fat_id: 'li-1',
  lg_last_landing: 'https://www.example.com/summer',
  lg_last_referrer: 'https://www.tiktok.com/',
};

describe('attributionContext: the script fields as $ context', () => {
  it('reads the last touch as utm.*, click.*, landing, referrer and the first under first.', () => {
    // Act
    const context = attributionContext(scriptFields);

    // Assess
    expect(context).toEqual({
      'first.utm.source': 'newsletter',
      'first.utm.medium': 'email',
      'first.utm.campaign': 'spring',
      'first.utm.term': 'crm',
      'first.utm.content': 'banner',
      'first.click.gclid': 'g-first',
      'first.landing': 'https://www.example.com/offer',
      'first.referrer': 'https://news.example.net/',
      'utm.source': 'tiktok',
      'utm.campaign': 'summer',
      'click.gbraid': 'gb-1',
      'click.wbraid': 'wb-1',
      'click.fbclid': 'fb-1',
      'click.msclkid': 'ms-1',
      'click.ttclid': 'tt-1',
      'click.li_fat_id': 'li-1',
      landing: 'https://www.example.com/summer',
      referrer: 'https://www.tiktok.com/',
    });
  });

  it('adds nothing for missing, blank or unknown fields', () => {
    // Act
    const context = attributionContext({
      lg_last_utm_source: '   ',
      lg_first_utm_campaign: [],
      lg_last_utm_other: 'x',
      lg_first_dclid: 'x',
      utm_source: 'not-from-the-script',
    });

    // Assess
    expect(context).toEqual({});
  });

  it('trims, takes the first non-blank of repeated fields and cuts long values', () => {
    // Act
    const context = attributionContext({
      lg_last_utm_campaign: ['', '  spring  ', 'later'],
      lg_last_gclid: 'g'.repeat(2000),
      lg_last_landing: `https://www.example.com/${'p'.repeat(5000)}`,
    });

    // Assess
    expect(context['utm.campaign']).toBe('spring');
    expect(context['click.gclid']).toHaveLength(512);
    expect(context.landing).toHaveLength(2048);
  });

  it('never cuts a long value in the middle of an emoji', () => {
    // Prepare: 511 characters, then an emoji (two UTF-16 units) across the 512 cut
    const campaign = `${'c'.repeat(511)}😀 and more`;

    // Act
    const context = attributionContext({ lg_last_utm_campaign: campaign });

    // Assess: the whole emoji is left out, not half of it
    expect(context['utm.campaign']).toBe('c'.repeat(511));
    expect(context['utm.campaign']).not.toMatch(/[\uD800-\uDBFF]$/);
  });

  it('ignores inherited names (own fields only)', () => {
    // Prepare
    const fields = Object.create({ lg_last_utm_source: 'inherited' }) as InputFields;

    // Act
    const context = attributionContext(fields);

    // Assess
    expect(context).toEqual({});
  });
});

describe('the form channel with the attribution script', () => {
  const sourceYaml = `channel: form
form: { allowedOrigins: ["https://www.example.com"] }
lead:
  FirstName: first_name
  LastName: last_name
  Extra:
    - { id: "1411084437", from: $first.utm.campaign }
    - { id: "1411084438", from: $utm.campaign }
`;
  const cleanups: (() => void)[] = [];
  afterEach(() => {
    for (const cleanup of cleanups.splice(0)) cleanup();
  });

  async function post(fields: Record<string, string>, headers: Record<string, string> = {}) {
    const { sources, cleanup } = sourcesFrom({ site: sourceYaml });
    cleanups.push(cleanup);
    const recording = recordingQueue();
    const forms = formChannel({ sources, queue: recording.queue });
    const source = sources.get('site');
    const result = await forms.capture(
      httpRequest({
        path: '/v1/forms/site',
        pathParameters: { sourceId: 'site' },
        headers: {
          origin: 'https://www.example.com',
          'content-type': 'application/x-www-form-urlencoded',
          accept: 'application/json',
          ...headers,
        },
        body: new URLSearchParams(fields).toString(),
      }),
    );
    return { result, envelope: recording.enqueued[0], source };
  }

  it('puts the last touch before the posted utm_* field, the query and the Referer', async () => {
    // Act
    const { result, envelope } = await post(
      { first_name: 'Ana', last_name: 'Ruiz', utm_campaign: 'field', lg_last_utm_campaign: 'script' },
      { referer: 'https://www.example.com/?utm_campaign=referer' },
    );

    // Assess
    expect(result.statusCode).toBe(202);
    expect(envelope?.context['utm.campaign']).toBe('script');
  });

  it('keeps the old fallbacks when the script sent nothing, for the new click ids too', async () => {
    // Act
    const { envelope } = await post(
      { first_name: 'Ana', last_name: 'Ruiz', gbraid: 'gb-field' },
      { referer: 'https://www.example.com/?utm_campaign=referer&li_fat_id=li-ref&ttclid=tt-ref' },
    );

    // Assess
    expect(envelope?.context).toMatchObject({
      'utm.campaign': 'referer',
      'click.gbraid': 'gb-field',
      'click.li_fat_id': 'li-ref',
      'click.ttclid': 'tt-ref',
    });
  });

  it('keeps the script fields as input fields: mappable, and sent to Onpipeline only when mapped', async () => {
    // Act
    const { envelope, source } = await post({
      first_name: 'Ana',
      last_name: 'Ruiz',
      lg_first_utm_campaign: 'spring',
      lg_last_utm_campaign: 'summer',
      lg_last_gclid: 'g-1',
    });

    // Assess: the mapping (as deliver runs it) gives exactly the mapped values, no lg_* field
    expect(envelope?.fields).toMatchObject({ lg_first_utm_campaign: 'spring', lg_last_gclid: 'g-1' });
    expect(source && envelope && (await dryRun(source, envelope))).toEqual({
      ok: true,
      body: {
        FirstName: 'Ana',
        LastName: 'Ruiz',
        Extra: [
          { ID: '1411084437', Value: 'spring' },
          { ID: '1411084438', Value: 'summer' },
        ],
      },
    });
    expect(envelope?.context).toMatchObject({
      'first.utm.campaign': 'spring',
      'utm.campaign': 'summer',
      'click.gclid': 'g-1',
    });
  });
});

describe('previews (leadgate sources preview, the dashboard playground)', () => {
  it('read the script fields of a form sample as capture does', async () => {
    // Prepare
    const { sources, cleanup } = sourcesFrom({
      site: 'channel: form\nform: { allowedOrigins: ["*"] }\nlead: { FirstName: first_name, LastName: last_name }\n',
    });
    const source = sources.get('site');

    // Act
    const [lead] = source
      ? await leadInputs(
          source,
          'first_name=Ana\nlg_first_utm_campaign=spring\nlg_last_landing=https://www.example.com/x',
        )
      : [];
    cleanup();

    // Assess
    expect(lead?.input.context).toMatchObject({
      'first.utm.campaign': 'spring',
      landing: 'https://www.example.com/x',
    });
  });
});

describe('source configs: the attribution context names', () => {
  it.each([
    '$first.utm.campaign',
    '$first.click.gclid',
    '$first.landing',
    '$landing',
    '$referrer',
    '$click.li_fat_id',
  ])('accepts %s in a mapping', (name) => {
    // Act
    const parsed = sourceConfigSchema.safeParse({
      channel: 'form',
      form: { allowedOrigins: ['https://www.example.com'] },
      lead: { FirstName: 'first_name', LastName: 'last_name', City: { from: name } },
    });

    // Assess
    expect(parsed.success, JSON.stringify(parsed.error?.issues)).toBe(true);
  });

  it('still refuses a context name with more parts', () => {
    // Act
    const parsed = sourceConfigSchema.safeParse({
      channel: 'form',
      form: { allowedOrigins: ['https://www.example.com'] },
      lead: { FirstName: 'first_name', LastName: 'last_name', City: { from: '$a.b.c.d' } },
    });

    // Assess
    expect(parsed.success).toBe(false);
  });
});
