import { describe, expect, it } from 'vitest';
import { form } from '#shared/channels/form/index.ts';
import { phoneRulesLoaded } from '#shared/mapping/phone.ts';
import { bodyOf, postingTo } from '#test/support/channels.ts';

/**
 * Capture's dry run of a form whose mapping uses `e164`, from a cold start: the phone rules are loaded
 * by the first lead of such a source, never by other sources (docs/architecture.md, "Cold start").
 * Nothing in this file loads them beforehand (vitest gives each test file its own modules).
 */

const ukYaml = `channel: form
form: { allowedOrigins: ["*"] }
lead:
  FirstName: first_name
  LastName: last_name
  Phone:
    - { from: phone, transform: e164, defaultCountry: GB }
`;
const plainYaml = `channel: form
form: { allowedOrigins: ["*"] }
lead:
  FirstName: first_name
  LastName: last_name
  Phone: [{ from: phone, transform: digits }]
`;

function postTo(sourceId: string) {
  return postingTo(form, 'POST /v1/forms/{sourceId}', {
    secrets: {},
    sources: { plain: plainYaml, uk: ukYaml },
    pathParameters: { sourceId },
  });
}

describe('a form whose mapping uses e164', () => {
  it('has its first lead accepted, and only it loads the phone rules', async () => {
    // Prepare
    const plain = postTo('plain');
    const uk = postTo('uk');
    const body = JSON.stringify({ first_name: 'Ana', last_name: 'Ruiz', phone: '020 7946 0958' });

    // Act
    const plainAnswer = await plain.post(body);
    const loadedAfterPlain = phoneRulesLoaded();
    const ukAnswer = await uk.post(body);

    // Assess: both queued, the rules loaded by the e164 source only; the envelope keeps what was typed
    expect(plainAnswer.statusCode).toBe(202);
    expect(loadedAfterPlain).toBe(false);
    expect(ukAnswer.statusCode).toBe(202);
    expect(phoneRulesLoaded()).toBe(true);
    expect(uk.enqueued[0]?.fields.phone).toBe('020 7946 0958');
  });

  it('refuses a lead its mapping refuses (422), as without e164', async () => {
    // Prepare
    const { post, enqueued } = postTo('uk');

    // Act
    const answer = await post(JSON.stringify({ first_name: 'Ana', phone: '020 7946 0958' }));

    // Assess
    expect(answer.statusCode).toBe(422);
    expect(bodyOf<{ error: { fields: Record<string, string> } }>(answer).error.fields).toEqual({
      LastName: 'required, but last_name has no value',
    });
    expect(enqueued).toEqual([]);
  });
});
