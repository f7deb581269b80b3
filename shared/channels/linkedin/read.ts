import type { ReadFacts, SampleFacts } from '#shared/channels/channel.ts';
import { flatLead, readJson, type SampleLead } from '#shared/channels/common/read.ts';
import {
  type LinkedinQuestion,
  linkedinLeadContext,
  linkedinLeadFields,
} from '#shared/channels/linkedin/fetch.ts';
import { idString, isRecord } from '#shared/json.ts';

/**
 * A sample LinkedIn lead (`formResponse.answers[]`, or `answers[]` at the top), read exactly as
 * deliver reads the lead it fetches (`linkedinLeadFields`, `linkedinLeadContext`: text answers as
 * they are, chosen options joined with `, `). LinkedIn's answers carry only question ids (deliver
 * names them from the form), so a sample answer names itself: `predefinedField` (FIRST_NAME...),
 * `name`, or its `questionId`; a direct `answer`/`value` is taken as a text answer. The context is
 * what the notification and the fetched lead give (`$linkedin.response_id`, `$linkedin.form_id`...).
 * A flat JSON object of field → value is read as one lead.
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
  const response = isRecord(payload) && isRecord(payload.formResponse) ? payload.formResponse : payload;
  const answers = isRecord(response) && Array.isArray(response.answers) ? response.answers : undefined;
  if (!answers || !isRecord(payload)) return [await flatLead(payload, facts)];
  const questions = new Map<string, LinkedinQuestion>();
  const named: { questionId: string; answerDetails: unknown }[] = [];
  answers.forEach((answer, index) => {
    if (!isRecord(answer)) return;
    const name = idString(answer.predefinedField) ?? idString(answer.name) ?? idString(answer.questionId);
    if (!name) return;
    const questionId = `sample-${index}`;
    questions.set(questionId, { name, options: new Map() });
    const direct = idString(answer.answer) ?? idString(answer.value);
    const answerDetails = isRecord(answer.answerDetails)
      ? answer.answerDetails
      : { textQuestionAnswer: { answer: direct } };
    named.push({ questionId, answerDetails });
  });
  const fields = linkedinLeadFields(named, questions);
  const formUrn = typeof payload.versionedLeadGenFormUrn === 'string' ? payload.versionedLeadGenFormUrn : '';
  const formId =
    /urn:li:leadGenForm:(\d+)/.exec(formUrn)?.[1] ??
    idString(payload.form_id) ??
    facts.source.linkedin?.formIds[0];
  const context: Record<string, string> = { source: facts.source.id, receivedAt: facts.receivedAt };
  const id = idString(payload.id);
  if (id) {
    context['linkedin.response_id'] = id;
    context['linkedin.response_urn'] = `urn:li:leadFormResponse:${id}`;
  }
  Object.assign(context, linkedinLeadContext(payload, formId, facts.source.id));
  return [{ input: { fields, context } }];
}

/**
 * A sample LinkedIn lead form response, each answer naming itself (`predefinedField` for LinkedIn's
 * standard questions, else `questionId`); a list becomes a multiple-choice answer.
 *
 * @example
 * sampleLinkedin({ source, fields: { EMAIL: 'a@x.test' }, leadId: '17', now }).formResponse.answers[0];
 * // { predefinedField: 'EMAIL', answerDetails: { textQuestionAnswer: { answer: 'a@x.test' } } }
 */
export function sampleLinkedin({ fields, leadId }: SampleFacts) {
  return {
    id: leadId,
    formResponse: {
      answers: Object.entries(fields).map(([name, answer]) => ({
        ...(/^[A-Z_]+$/.test(name) ? { predefinedField: name } : { questionId: name }),
        answerDetails: Array.isArray(answer)
          ? { multipleChoiceAnswer: { options: answer } }
          : { textQuestionAnswer: { answer } },
      })),
    },
  };
}
