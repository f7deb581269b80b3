import { describe, expect, it } from 'vitest';
import { PayloadError, sampleFields, samplePayload } from '#shared/preview/payloads.ts';
import { previewLeads } from '#shared/preview/preview.ts';
import { parseSource } from '#shared/sources/loader.ts';
import type { Source } from '#shared/sources/schema.ts';

function source(id: string, yaml: string): Source {
  const result = parseSource(id, yaml);
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  return result.source;
}

const lead = `lead:
  FirstName: { from: [FIRST_NAME, first_name], default: "-" }
  LastName: { from: [LAST_NAME, last_name], default: "-" }
  OrgName: COMPANY_NAME
  Email:
    - { from: [EMAIL, email] }
  Extra:
    - { id: "1411084442", from: $click.gclid }
    - { id: "1411084440", from: interests }`;

const sources = {
  form: source(
    'contact',
    `channel: form
form: { allowedOrigins: ["https://www.example.com"], honeypot: _gotcha }
lead:
  FirstName: { from: full_name, part: first }
  LastName: { from: full_name, part: last, default: "-" }
  Country: { from: country, map: { es: Spain, pt: Portugal } }
  Phone:
    - { from: mobile, transform: digits }
  Extra:
    - { id: "1411084441", template: "{{message}} ({{page}})" }`,
  ),
  googleAds: source('google-spring', `channel: google-ads\ngoogleAds: { key: GOOGLE_SPRING_KEY }\n${lead}`),
  meta: source(
    'meta-spring',
    `channel: meta\nmeta: { pageId: "104", formIds: ["55"], pageToken: META_PAGE_TOKEN }\n${lead}`,
  ),
  linkedin: source('linkedin-spring', `channel: linkedin\nlinkedin: { formIds: ["77"] }\n${lead}`),
  tiktok: source(
    'tiktok-spring',
    `channel: tiktok\ntiktok: { advertiserId: "7000000000000000001" }\n${lead}`,
  ),
  partner: source(
    'partner-acme',
    `channel: partner\npartner: { apiKeys: [ACME_KEY], leadIdField: ref }\n${lead}`,
  ),
};

describe('sample payloads and the channel readers', () => {
  it('guesses realistic values from field names, map keys and name splits', () => {
    // Act
    const fields = sampleFields(sources.form);

    // Assess
    expect(fields).toEqual({
      full_name: 'Alex Sample',
      country: 'es',
      mobile: '+34 600 000 000',
      message: 'This is a test lead sent by leadgate.',
      page: 'leadgate test',
    });
  });

  it.each(Object.entries(sources))(
    'reads its own %s sample back into a lead the mapping accepts',
    async (_, item) => {
      // Prepare
      const payload = JSON.stringify(samplePayload(item));

      // Act
      const [preview] = await previewLeads(item, payload);

      // Assess
      expect(preview?.result.ok).toBe(true);
      expect(preview?.result.ok && preview.result.body.FirstName).not.toBe('-');
    },
  );

  it('reads a Google Ads webhook: column ids as fields, repeated columns as lists, context', async () => {
    // Prepare
    // Google sends int64 ids as JSON numbers beyond the safe range: they must stay exact.
    const payload = JSON.stringify({
      lead_id: 'TeSter-123',
      campaign_id: 'INT64',
      gcl_id: 'gclid-1',
      user_column_data: [
        { column_id: 'FIRST_NAME', string_value: 'Ana' },
        { column_id: 'LAST_NAME', string_value: 'Ruiz' },
        { column_name: 'interests', string_value: 'Pricing' },
        { column_name: 'interests', string_value: 'Demo' },
      ],
    }).replace('"INT64"', '123456789012345678901');

    // Act
    const [preview] = await previewLeads(sources.googleAds, payload);

    // Assess
    expect(preview?.input.fields).toEqual({
      FIRST_NAME: 'Ana',
      LAST_NAME: 'Ruiz',
      interests: ['Pricing', 'Demo'],
    });
    expect(preview?.input.context).toMatchObject({
      'google.lead_id': 'TeSter-123',
      'google.campaign_id': '123456789012345678901',
      'click.gclid': 'gclid-1',
    });
    expect(preview?.result.ok && preview.result.body.Extra).toEqual([
      { ID: '1411084442', Value: 'gclid-1' },
      { ID: '1411084440', Value: 'Pricing, Demo' },
    ]);
  });

  it('reads a Meta lead as the Graph API returns it, and explains a webhook notification', async () => {
    // Prepare
    const lead = JSON.stringify({
      id: '1234567890123456789',
      form_id: '55',
      field_data: [
        { name: 'first_name', values: ['Ana'] },
        { name: 'interests', values: ['Pricing', 'Demo'] },
      ],
    });
    const notification = JSON.stringify({ object: 'page', entry: [{ changes: [{ field: 'leadgen' }] }] });

    // Act
    const [preview] = await previewLeads(sources.meta, lead);
    const refused = previewLeads(sources.meta, notification);

    // Assess
    // as deliver reads the lead it fetches: several answers joined with ', '
    expect(preview?.input.fields).toEqual({ first_name: 'Ana', interests: 'Pricing, Demo' });
    expect(preview?.input.context).toMatchObject({
      'meta.leadgen_id': '1234567890123456789',
      'meta.form_id': '55',
    });
    await expect(refused).rejects.toBeInstanceOf(PayloadError);
    await expect(refused).rejects.toThrow(/carries only the lead id/);
  });

  it('reads a LinkedIn form response and a TikTok notification with several leads', async () => {
    // Prepare
    const linkedin = JSON.stringify({
      formResponse: {
        answers: [
          { predefinedField: 'FIRST_NAME', answerDetails: { textQuestionAnswer: { answer: 'Ana' } } },
          {
            questionId: 'interests',
            answerDetails: { multipleChoiceAnswer: { options: ['Pricing', 'Demo'] } },
          },
        ],
      },
    });
    const tiktok = JSON.stringify({
      entry: [
        { id: 1, advertiser_id: '7000000000000000001', changes: [{ field: 'first_name', value: 'Ana' }] },
        { id: 2, changes: [{ field: 'first_name', value: 'Luis' }] },
      ],
    });

    // Act
    const [fromLinkedin] = await previewLeads(sources.linkedin, linkedin);
    const fromTiktok = await previewLeads(sources.tiktok, tiktok);

    // Assess
    // as deliver reads the lead it fetches: the chosen options joined with ', '
    expect(fromLinkedin?.input.fields).toEqual({ FIRST_NAME: 'Ana', interests: 'Pricing, Demo' });
    expect(fromTiktok.map((item) => item.input.fields.first_name)).toEqual(['Ana', 'Luis']);
    expect(fromTiktok[0]?.input.context['tiktok.advertiser_id']).toBe('7000000000000000001');
  });

  it('previews every lead of a partner batch', async () => {
    // Prepare
    const batch = JSON.stringify([
      { ref: 'a-1', first_name: 'Ana', last_name: 'Ruiz' },
      { ref: 'a-2', email: 'no-name@example.test' },
    ]);

    // Act
    const previews = await previewLeads(sources.partner, batch);

    // Assess
    expect(previews.map((item) => item.result.ok)).toEqual([true, true]);
    expect(previews[1]?.result.ok && previews[1].result.body).toMatchObject({
      FirstName: '-',
      LastName: '-',
    });
  });

  it('refuses an empty or non-JSON payload for a JSON channel', async () => {
    // Act
    const empty = previewLeads(sources.partner, '  ');
    const text = previewLeads(sources.googleAds, 'first_name=Ana');

    // Assess
    await expect(empty).rejects.toThrow('the payload is empty');
    await expect(text).rejects.toThrow('the payload is not valid JSON');
  });
});
