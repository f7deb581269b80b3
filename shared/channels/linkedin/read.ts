import type { ReadFacts } from '#shared/channels/channel.ts';
import {
  addContext,
  baseContext,
  collect,
  flatLead,
  readJson,
  type SampleLead,
} from '#shared/channels/common/read.ts';
import { idString, isRecord } from '#shared/json.ts';

/**
 * A sample LinkedIn lead (`formResponse.answers[]`, or `answers[]` at the top): each answer named by
 * its `predefinedField`, `name` or `questionId`, valued by its text answer, its chosen options or a
 * direct `answer`/`value`; its ids in the context (`$linkedin.lead_id`...). A flat JSON object of
 * field → value is read as one lead.
 *
 * @example
 * const [lead] = await readLinkedin(
 *   '{"formResponse": {"answers": [{"predefinedField": "EMAIL", "answerDetails": {"textQuestionAnswer": {"answer": "a@x.test"}}}]}}',
 *   facts,
 * );
 * lead.input.fields.EMAIL; // 'a@x.test'
 */
export async function readLinkedin(text: string, facts: ReadFacts): Promise<SampleLead[]> {
  const payload = readJson(text);
  const answers = isRecord(payload)
    ? isRecord(payload.formResponse) && Array.isArray(payload.formResponse.answers)
      ? payload.formResponse.answers
      : Array.isArray(payload.answers)
        ? payload.answers
        : undefined
    : undefined;
  if (!answers || !isRecord(payload)) return [await flatLead(payload, facts)];
  const pairs: [string, string][] = [];
  for (const answer of answers) {
    if (!isRecord(answer)) continue;
    const key = idString(answer.predefinedField) ?? idString(answer.name) ?? idString(answer.questionId);
    if (!key) continue;
    const details = isRecord(answer.answerDetails) ? answer.answerDetails : {};
    const text = isRecord(details.textQuestionAnswer)
      ? idString(details.textQuestionAnswer.answer)
      : undefined;
    const options =
      isRecord(details.multipleChoiceAnswer) && Array.isArray(details.multipleChoiceAnswer.options)
        ? details.multipleChoiceAnswer.options.map(idString).filter((value) => value !== undefined)
        : undefined;
    const direct = idString(answer.answer) ?? idString(answer.value);
    for (const value of options ?? [text ?? direct]) if (value !== undefined) pairs.push([key, value]);
  }
  const fields = collect(pairs);
  const context = baseContext(facts, fields);
  const id = idString(payload.id);
  if (id) context['linkedin.lead_id'] = id;
  addContext(context, 'linkedin', payload, ['form_id', 'campaign_id']);
  return [{ input: { fields, context } }];
}
