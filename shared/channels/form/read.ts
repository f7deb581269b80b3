import type { ReadFacts, SampleFacts } from '#shared/channels/channel.ts';
import { requestContext } from '#shared/channels/common/context.ts';
import { PayloadError, parsedFields, type SampleLead } from '#shared/channels/common/read.ts';
import { attributionContext } from '#shared/channels/form/attribution.ts';
import { honeypotFilled } from '#shared/channels/form/channel.ts';

/**
 * A sample form post, read by the gateway's own body parser: a JSON object, or `name=value` lines
 * read literally (see `encodeLines`). A filled honeypot marks the lead as spam (and is dropped from
 * its fields, as capture drops it); the attribution fields and the `referer` feed the context as the
 * form channel reads them.
 *
 * @example
 * const [lead] = await readForm('first_name=Ana\nlast_name=Ruiz', { source, receivedAt });
 * lead.input.fields.first_name; // 'Ana'
 */
export async function readForm(text: string, facts: ReadFacts): Promise<SampleLead[]> {
  const { source, receivedAt, referer } = facts;
  const json = text.trimStart().startsWith('{');
  const fields = json
    ? await parsedFields('application/json', text.trim())
    : await parsedFields('application/x-www-form-urlencoded', encodeLines(text));
  const honeypot = source.form?.honeypot;
  const spam = honeypotFilled(source, fields);
  if (honeypot) delete fields[honeypot];
  const context = {
    ...requestContext(
      { sourceId: source.id, receivedAt, ip: '127.0.0.1', userAgent: 'leadgate preview', referer },
      fields,
    ),
    ...attributionContext(fields), // as the form channel reads them
  };
  return [{ input: { fields, context }, ...(spam ? { spam } : {}) }];
}

/**
 * A file of `name=value` lines, typed by a person, read literally: everything after the first `=` is
 * the value exactly as written (`+44 20…` keeps its `+`, `1+1=2` its `+` and second `=`, `%20` stays
 * `%20`), as a browser would post those values. Each line is percent-encoded as a browser encodes a
 * form, so the capture channel's own parser reads it (same limits, repeated names become lists).
 * Blank lines are skipped. Documented in docs/sources.md (the tutorial, step 4).
 *
 * @example
 * encodeLines('phone=+44 20\nnote=1+1=2'); // 'phone=%2B44%2020&note=1%2B1%3D2'
 */
export function encodeLines(text: string): string {
  const pairs: string[] = [];
  text.split(/\r?\n/).forEach((line, index) => {
    if (line.trim() === '') return;
    const eq = line.indexOf('=');
    if (eq <= 0) {
      throw new PayloadError(
        `line ${index + 1} is not name=value (a form sample is a JSON object or one name=value per line)`,
      );
    }
    // A lone surrogate (only possible in text pasted into the playground) becomes U+FFFD, as in a browser.
    const encode = (part: string) => encodeURIComponent(part.toWellFormed());
    pairs.push(`${encode(line.slice(0, eq))}=${encode(line.slice(eq + 1))}`);
  });
  return pairs.join('&');
}

/**
 * A sample form post: the fields, and the UTM parameters a tracked link adds.
 *
 * @example
 * sampleForm({ source, fields: { email: 'a@x.test' }, leadId: '1', now }); // { email: 'a@x.test', utm_source: 'leadgate', ... }
 */
export function sampleForm({ fields }: SampleFacts): unknown {
  return { ...fields, utm_source: 'leadgate', utm_medium: 'test', utm_campaign: 'send-test' };
}
