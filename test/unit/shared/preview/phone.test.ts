import { describe, expect, it, vi } from 'vitest';
import { parseSource } from '#shared/sources/loader.ts';
import type { Source } from '#shared/sources/schema.ts';

/**
 * Previews (`leadgate sources preview`, the dashboard playground, `leadgate dlq show`) of a source
 * whose mapping uses `e164`, from a cold start: the phone rules are loaded on first use
 * (docs/architecture.md, "Cold start"). Each test starts from fresh modules (`vi.resetModules`), so
 * nothing loaded the rules before it.
 */

const uk: Source = (() => {
  const result = parseSource(
    'uk',
    `channel: partner
partner: { apiKeys: [ACME_KEY] }
lead:
  FirstName: first_name
  LastName: last_name
  Phone: [{ from: phone, transform: e164, defaultCountry: GB }]`,
  );
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  return result.source;
})();
const fields = { first_name: 'Ana', last_name: 'Ruiz', phone: '020 7946 0958' };
const body = { FirstName: 'Ana', LastName: 'Ruiz', Phone: [{ Number: '+442079460958', Type: 'mobile' }] };

async function freshModules() {
  vi.resetModules();
  return {
    preview: await import('#shared/preview/preview.ts'),
    phone: await import('#shared/mapping/phone.ts'),
  };
}

describe('previewing a source whose mapping uses e164', () => {
  it('previewLeads loads the phone rules and shows the E.164 number', async () => {
    // Prepare
    const { preview, phone } = await freshModules();
    const loadedBefore = phone.phoneRulesLoaded();

    // Act
    const [lead] = await preview.previewLeads(uk, JSON.stringify(fields));

    // Assess
    expect(loadedBefore).toBe(false);
    expect(lead?.result).toEqual({ ok: true, body });
    expect(phone.phoneRulesLoaded()).toBe(true);
  });

  it('previewInput loads the phone rules and shows the E.164 number', async () => {
    // Prepare
    const { preview, phone } = await freshModules();
    const loadedBefore = phone.phoneRulesLoaded();

    // Act
    const lead = await preview.previewInput(uk, { fields, context: {} });

    // Assess
    expect(loadedBefore).toBe(false);
    expect(lead.result).toEqual({ ok: true, body });
    expect(phone.phoneRulesLoaded()).toBe(true);
  });
});
