import type { LeadResolver } from '#shared/channels/channel.ts';
import { failed, fetchFailure, scrubbed } from '#shared/channels/common/fetch.ts';
import { isLinkedinResponseId } from '#shared/channels/linkedin/channel.ts';
import type { InputFields } from '#shared/envelope.ts';
import { requireHttpsOrLoopback } from '#shared/http/outbound.ts';
import { idString, isRecord, safeJson } from '#shared/json.ts';
import { type DeliveryOutcome, parseRetryAfter } from '#shared/onpipeline/outcome.ts';
import type { SecretStore } from '#shared/security/secrets.ts';
import { logger } from '#shared/telemetry.ts';

export const DEFAULT_LINKEDIN_API_URL = 'https://api.linkedin.com';
/** LinkedIn's versioned Marketing API, `YYYYMM`; a version is supported for about a year. */
export const DEFAULT_LINKEDIN_VERSION = '202601';
/** Gateway secret: the OAuth access token (`r_marketing_leadgen_automation`) leads are fetched with. */
export const LINKEDIN_ACCESS_TOKEN = 'LINKEDIN_ACCESS_TOKEN';

export interface LinkedinResolverOptions {
  /** API base URL; default https://api.linkedin.com (plain http only on loopback: the fake). */
  apiUrl?: string;
  /** `LinkedIn-Version` header, `YYYYMM`; default {@link DEFAULT_LINKEDIN_VERSION}. */
  version?: string;
  /** Holds `LINKEDIN_ACCESS_TOKEN`. */
  secrets: SecretStore;
  /** Per-request timeout; default 10 s. */
  timeoutMs?: number;
  /** How long a form's questions are reused; default 10 minutes (a question not in the copy refetches). */
  formCacheMs?: number;
}

/** A form question as the resolver needs it: the name its answers get, and choice texts by option id. */
export interface LinkedinQuestion {
  name: string;
  options: Map<string, string>;
}

/**
 * Deliver-side fetch of a LinkedIn lead: `GET {apiUrl}/rest/leadFormResponses/{id}` with
 * `Authorization: Bearer <LINKEDIN_ACCESS_TOKEN>`, `LinkedIn-Version` and
 * `X-Restli-Protocol-Version: 2.0.0`. Answers carry only question ids, so the form's questions come
 * from `GET {apiUrl}/rest/leadForms/{formId}` (cached per form): each answer is named by its
 * question's `predefinedField` (FIRST_NAME, LAST_NAME, EMAIL, COMPANY_NAME…) or else by its question
 * id; multiple-choice answers become their option texts joined with ', '.
 *
 * @example
 * const resolvers = { linkedin: linkedinResolver({ secrets, version: '202601' }) };
 */
export function linkedinResolver(options: LinkedinResolverOptions): LeadResolver {
  const base = requireHttpsOrLoopback(options.apiUrl ?? DEFAULT_LINKEDIN_API_URL, 'LinkedIn API URL');
  const version = options.version ?? DEFAULT_LINKEDIN_VERSION;
  if (!/^\d{6}(\.\d{2})?$/.test(version)) throw new Error(`LinkedIn version must be YYYYMM: ${version}`);
  const timeoutMs = options.timeoutMs ?? 10_000;
  const formCacheMs = options.formCacheMs ?? 10 * 60 * 1000;
  const root = base.href.endsWith('/') ? base.href : `${base.href}/`;
  const forms = new Map<string, { questions: Map<string, LinkedinQuestion>; at: number }>();

  type Answer = { ok: true; status: number; body: unknown } | { ok: false; outcome: DeliveryOutcome };

  async function get(path: string, token: string): Promise<Answer> {
    try {
      const response = await fetch(new URL(path, root), {
        headers: {
          authorization: `Bearer ${token}`,
          'linkedin-version': version,
          'x-restli-protocol-version': '2.0.0',
          accept: 'application/json',
        },
        redirect: 'error', // a redirect would resend the Bearer token elsewhere
        signal: AbortSignal.timeout(timeoutMs),
      });
      const body = safeJson(scrubbed(await response.text(), [token]));
      if (response.ok) return { ok: true, status: response.status, body };
      if (response.status === 404) return { ok: true, status: 404, body };
      return {
        ok: false,
        outcome: classifyLinkedinError(response.status, body, response.headers.get('retry-after')),
      };
    } catch (error) {
      return { ok: false, outcome: fetchFailure('LinkedIn', error, timeoutMs) };
    }
  }

  /** The questions of a form, from the cache when it is fresh and knows every id asked for. */
  async function questionsOf(
    formId: string,
    needed: string[],
    token: string,
  ): Promise<
    { ok: true; questions: Map<string, LinkedinQuestion> } | { ok: false; outcome: DeliveryOutcome }
  > {
    const cached = forms.get(formId);
    if (cached && Date.now() - cached.at < formCacheMs && needed.every((id) => cached.questions.has(id))) {
      return { ok: true, questions: cached.questions };
    }
    const answer = await get(`rest/leadForms/${encodeURIComponent(formId)}`, token);
    if (!answer.ok) return answer;
    if (answer.status === 404) {
      logger.warn('linkedin form not found: answers are named by question id', { formId });
      return { ok: true, questions: new Map() };
    }
    const questions = formQuestions(answer.body);
    forms.set(formId, { questions, at: Date.now() });
    return { ok: true, questions };
  }

  return async (envelope, source) => {
    const responseId = envelope.fetch?.id ?? '';
    if (!isLinkedinResponseId(responseId)) {
      return failed({
        kind: 'permanent',
        reason: 'invalid_envelope',
        message: 'no LinkedIn response id to fetch',
      });
    }
    let token: string | undefined;
    try {
      token = await options.secrets.get(LINKEDIN_ACCESS_TOKEN);
    } catch (error) {
      return failed({
        kind: 'transient',
        ambiguous: false,
        message: `secrets unavailable (${error instanceof Error ? error.name : 'unknown'})`,
      });
    }
    if (!token)
      return failed({ kind: 'configuration', message: `secret ${LINKEDIN_ACCESS_TOKEN} is not set` });

    const lead = await get(`rest/leadFormResponses/${encodeURIComponent(responseId)}`, token);
    if (!lead.ok) return lead;
    if (lead.status === 404) {
      return failed({
        kind: 'permanent',
        status: 404,
        reason: 'lead_not_found',
        message: linkedinMessage(404, lead.body),
      });
    }
    if (!isRecord(lead.body) || !isRecord(lead.body.formResponse)) {
      return failed({
        kind: 'transient',
        ambiguous: false,
        message: 'unexpected LinkedIn answer (no formResponse)',
      });
    }
    const answers = Array.isArray(lead.body.formResponse.answers) ? lead.body.formResponse.answers : [];
    const formUrn =
      typeof lead.body.versionedLeadGenFormUrn === 'string' ? lead.body.versionedLeadGenFormUrn : '';
    const formCandidate =
      /urn:li:leadGenForm:(\d+)/.exec(formUrn)?.[1] ?? envelope.context['linkedin.form_id'];
    // form ids are digits: anything else never reaches a URL that carries the token
    const formId =
      formCandidate !== undefined && /^\d{1,20}$/.test(formCandidate) ? formCandidate : undefined;
    let questions = new Map<string, LinkedinQuestion>();
    if (formId) {
      const needed = answers.map((item) => (isRecord(item) ? idString(item.questionId) : undefined));
      const found = await questionsOf(
        formId,
        needed.filter((id): id is string => id !== undefined),
        token,
      );
      if (!found.ok) return found;
      questions = found.questions;
    }
    return {
      ok: true,
      fields: linkedinLeadFields(answers, questions),
      context: linkedinLeadContext(lead.body, formId, source.id),
    };
  };
}

/**
 * A lead's answers as input fields: named by the question's `predefinedField` when it has one, else
 * by the question id; text answers as they are, multiple-choice answers as their option texts (or
 * option ids when the form does not list them) joined with ', '.
 *
 * @example
 * linkedinLeadFields(
 *   [{ questionId: 1, answerDetails: { textQuestionAnswer: { answer: 'Ana' } } }],
 *   new Map([['1', { name: 'FIRST_NAME', options: new Map() }]]),
 * ); // { FIRST_NAME: 'Ana' }
 */
export function linkedinLeadFields(
  answers: unknown[],
  questions: Map<string, LinkedinQuestion>,
): InputFields {
  const fields: InputFields = Object.create(null);
  for (const item of answers) {
    if (!isRecord(item) || !isRecord(item.answerDetails)) continue;
    const questionId = idString(item.questionId);
    if (questionId === undefined) continue;
    const question = questions.get(questionId);
    const details = item.answerDetails;
    let value: string | undefined;
    if (isRecord(details.textQuestionAnswer)) {
      const answer = details.textQuestionAnswer.answer;
      value = typeof answer === 'string' ? answer : undefined;
    } else if (isRecord(details.multipleChoiceAnswer)) {
      const chosen = Array.isArray(details.multipleChoiceAnswer.options)
        ? details.multipleChoiceAnswer.options
        : [];
      value = chosen
        .map(idString)
        .filter((id): id is string => id !== undefined)
        .map((id) => question?.options.get(id) ?? id)
        .join(', ');
    }
    if (value !== undefined) fields[question?.name ?? questionId] = value;
  }
  return fields;
}

/**
 * Classifies a LinkedIn API error answer (`{"status","serviceErrorCode","code","message"}`):
 * 401, 403 and 426 (a sunset `LinkedIn-Version`) → `configuration`; 429 and 5xx → `transient` (with
 * Retry-After); 404 → `permanent` `lead_not_found`; any other 4xx → `permanent` `linkedin_rejected`.
 *
 * @example
 * classifyLinkedinError(401, { status: 401, code: 'INVALID_ACCESS_TOKEN', message: 'Invalid access token' });
 * // { kind: 'configuration', status: 401,
 * //   message: 'LinkedIn HTTP 401 INVALID_ACCESS_TOKEN: Invalid access token' }
 */
export function classifyLinkedinError(
  status: number,
  body: unknown,
  retryAfter?: string | null,
): DeliveryOutcome {
  const message = linkedinMessage(status, body);
  if (status === 401 || status === 403 || status === 426) return { kind: 'configuration', status, message };
  if (status === 404) return { kind: 'permanent', status, reason: 'lead_not_found', message };
  if (status === 429 || status >= 500) {
    const retryAfterSeconds = parseRetryAfter(retryAfter);
    return {
      kind: 'transient',
      status,
      message,
      ambiguous: false,
      ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }),
    };
  }
  return { kind: 'permanent', status, reason: 'linkedin_rejected', message };
}

function linkedinMessage(status: number, body: unknown): string {
  const code = isRecord(body) && typeof body.code === 'string' ? ` ${body.code}` : '';
  const text = isRecord(body) && typeof body.message === 'string' ? `: ${body.message}` : '';
  return `LinkedIn HTTP ${status}${code}${text}`.slice(0, 300);
}

/** A lead form's questions (`content.questions[]`) by question id. */
function formQuestions(form: unknown): Map<string, LinkedinQuestion> {
  const questions = new Map<string, LinkedinQuestion>();
  const content = isRecord(form) && isRecord(form.content) ? form.content : undefined;
  for (const item of Array.isArray(content?.questions) ? content.questions : []) {
    if (!isRecord(item)) continue;
    const id = idString(item.questionId);
    if (id === undefined) continue;
    const predefined = typeof item.predefinedField === 'string' ? item.predefinedField : '';
    const options = new Map<string, string>();
    const details = isRecord(item.questionDetails)
      ? item.questionDetails.multipleChoiceQuestionDetails
      : undefined;
    for (const option of isRecord(details) && Array.isArray(details.options) ? details.options : []) {
      const optionId = isRecord(option) ? idString(option.id) : undefined;
      const text = isRecord(option) ? localized(option.text) : undefined;
      if (optionId !== undefined && text !== undefined) options.set(optionId, text);
    }
    questions.set(id, { name: predefined !== '' ? predefined : id, options });
  }
  return questions;
}

/** A MultiLocaleString (`{localized: {en_US: '…'}}`) or a plain string. */
function localized(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (!isRecord(value) || !isRecord(value.localized)) return undefined;
  return Object.values(value.localized).find((text): text is string => typeof text === 'string');
}

/**
 * A fetched lead's context under `linkedin.`: form id, lead type, test lead, submission time (ISO
 * 8601), campaign and creative. The preview reads sample leads with it too.
 *
 * @example
 * linkedinLeadContext({ leadType: 'SPONSORED', testLead: true }, '77', 'linkedin-spring');
 * // { source: 'linkedin-spring', 'linkedin.form_id': '77', 'linkedin.lead_type': 'SPONSORED', 'linkedin.test_lead': 'true' }
 */
export function linkedinLeadContext(
  lead: Record<string, unknown>,
  formId: string | undefined,
  sourceId: string,
): Record<string, string> {
  const context: Record<string, string> = { source: sourceId };
  if (formId) context['linkedin.form_id'] = formId;
  if (typeof lead.leadType === 'string') context['linkedin.lead_type'] = lead.leadType;
  if (typeof lead.testLead === 'boolean') context['linkedin.test_lead'] = String(lead.testLead);
  const submitted = Number(idString(lead.submittedAt) ?? Number.NaN);
  if (Number.isFinite(submitted) && submitted > 0) {
    context['linkedin.submitted_at'] = new Date(submitted).toISOString();
  }
  const metadata = isRecord(lead.leadMetadata) ? lead.leadMetadata.sponsoredLeadMetadata : undefined;
  if (isRecord(metadata) && typeof metadata.campaign === 'string') {
    context['linkedin.campaign'] = metadata.campaign;
  }
  const entity = isRecord(lead.associatedEntity) ? lead.associatedEntity : undefined;
  if (entity && typeof entity.associatedCreative === 'string') {
    context['linkedin.creative'] = entity.associatedCreative;
  }
  return context;
}
