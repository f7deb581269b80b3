import { describe, expect, it } from 'vitest';
import { sampleFields } from '#shared/preview/payloads.ts';
import { parseSource } from '#shared/sources/loader.ts';

function source(yaml: string) {
  const result = parseSource('sample', yaml);
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  return result.source;
}

describe('sampleFields: the values a sample lead gets', () => {
  it('never fills the honeypot, which would mark the sample as spam', () => {
    // Prepare: a mapping that (oddly) also reads the honeypot field
    const form = source(`channel: form
form: { allowedOrigins: ["https://www.example.com"], honeypot: website }
lead:
  FirstName: first_name
  LastName: last_name
  Extra:
    - { id: "1411084441", from: website }
`);

    // Act
    const fields = sampleFields(form);

    // Assess
    expect(fields).toEqual({ first_name: 'Alex', last_name: 'Sample' });
  });

  it('reads no field for a value taken from the request context', () => {
    // Prepare
    const partner = source(`channel: partner
partner: { apiKeys: [ACME_KEY] }
lead:
  FirstName: first_name
  LastName: $source_id
`);

    // Act
    const fields = sampleFields(partner);

    // Assess
    expect(fields).toEqual({ first_name: 'Alex' });
  });

  it("picks the map key a field's usual values name, else the first key", () => {
    // Prepare: `interests` usually holds ['Pricing', 'Demo']
    const partner = source(`channel: partner
partner: { apiKeys: [ACME_KEY] }
lead:
  FirstName: first_name
  LastName: last_name
  Extra:
    - { id: "1411084440", from: interests, map: { Support: S, Demo: D } }
    - { id: "1411084442", from: plan, map: { basic: B, pro: P } }
`);

    // Act
    const fields = sampleFields(partner);

    // Assess
    expect(fields).toMatchObject({ interests: 'Demo', plan: 'basic' });
  });
});
