import { describe, expect, it } from 'vitest';
import { PayloadError } from '#shared/channels/common/read.ts';
import { readLinkedin } from '#shared/channels/linkedin/read.ts';
import { parseSource } from '#shared/sources/loader.ts';

const parsed = parseSource(
  'linkedin-spring',
  'channel: linkedin\nlinkedin: { formIds: ["77"] }\nlead:\n  FirstName: FIRST_NAME\n  LastName: LAST_NAME\n',
);
if (!parsed.ok) throw new Error('invalid test source');
const facts = { source: parsed.source, receivedAt: '2026-12-04T10:00:00.000Z' };

describe('readLinkedin: a sample LinkedIn lead for the preview', () => {
  it('reads answers at the top, named by predefinedField, name or questionId, valued by any answer form', async () => {
    // Prepare
    const sample = JSON.stringify({
      id: 'lead-7',
      form_id: '77',
      answers: [
        'not an answer',
        { answer: 'no name' },
        { predefinedField: 'FIRST_NAME', answer: 'Ana' },
        { name: 'Team size', value: 12 },
        { questionId: 415152, answerDetails: { multipleChoiceAnswer: { options: [1, 2] } } },
        { questionId: 415153, answerDetails: 'odd' },
        { questionId: 415154, answerDetails: { textQuestionAnswer: 'odd' } },
        { questionId: 415155, answerDetails: { textQuestionAnswer: { answer: 'Call me' } } },
      ],
    });

    // Act
    const [lead] = await readLinkedin(sample, facts);

    // Assess
    expect({ ...lead?.input.fields }).toEqual({
      FIRST_NAME: 'Ana',
      'Team size': '12',
      '415152': '1, 2',
      '415155': 'Call me',
    });
    expect(lead?.input.context).toMatchObject({
      'linkedin.response_id': 'lead-7',
      'linkedin.form_id': '77',
      source: 'linkedin-spring',
    });
  });

  it.each([
    ['a flat object of field → value', '{"FIRST_NAME": "Ana", "EMAIL": "ana@example.com"}'],
    ['answers that are not a list', '{"FIRST_NAME": "Ana", "EMAIL": "ana@example.com", "answers": 3}'],
  ])('reads %s as one lead', async (_case, sample) => {
    // Act
    const leads = await readLinkedin(sample, facts);

    // Assess
    expect(leads).toHaveLength(1);
    expect(leads[0]?.input.fields).toMatchObject({ FIRST_NAME: 'Ana', EMAIL: 'ana@example.com' });
  });

  it('reads a form response without an id into a lead without one in the context', async () => {
    // Act
    const [lead] = await readLinkedin('{"formResponse": {"answers": []}}', facts);

    // Assess
    expect({ ...lead?.input.fields }).toEqual({});
    expect(lead?.input.context).not.toHaveProperty('linkedin.response_id');
  });

  it('refuses a JSON list, which is not a lead', async () => {
    // Act
    const read = readLinkedin('[{"FIRST_NAME": "Ana"}]', facts);

    // Assess
    await expect(read).rejects.toBeInstanceOf(PayloadError);
    await expect(read).rejects.toThrow('expected a JSON object of field names and values');
  });
});
