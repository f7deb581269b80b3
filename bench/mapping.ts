/**
 * Mapping + validation throughput on one core: a source's compiled mapping (`compileMapping`, the
 * same function capture's dry run and deliver use) applied to pre-built lead inputs, including the
 * final Leadsin body check. Two sources: the shipped demo form (`sources/demo-contact.yaml`) and a
 * realistic Google Ads lead form whose inputs come from `user_column_data` through `googleAdsInput`,
 * exactly as capture builds them. Also: how long loading one config takes (YAML + zod + compile).
 *
 *   npx node bench/mapping.ts
 */
import { readFileSync } from 'node:fs';
import { googleAdsInput } from '#shared/channels/google-ads/channel.ts';
import type { LeadInput } from '#shared/envelope.ts';
import { compileMapping, type MapFunction } from '#shared/mapping/engine.ts';
import { parseSource } from '#shared/sources/loader.ts';
import type { Source } from '#shared/sources/schema.ts';
import {
  campaigns,
  cities,
  companies,
  consume,
  countries,
  firstNames,
  formatSummary,
  int,
  interests,
  lastNames,
  pick,
  random,
  report,
  requireNode24,
  summarize,
} from './support.ts';

/** A Google Ads lead form source as marketing ops would write it (column ids as Google sends them). */
export const googleAdsSourceYaml = `# A lead form asset of a search campaign
channel: google-ads
description: Lead form of the spring search campaign
googleAds:
  key: GADS_SPRING_KEY
  testLeads: deliver
lead:
  FirstName: { from: FULL_NAME, part: first, transform: title }
  LastName: { from: FULL_NAME, part: last, transform: title, default: "-" }
  OrgName: { from: COMPANY_NAME, transform: collapse }
  AddressLine1: STREET_ADDRESS
  Postcode: { from: POSTAL_CODE, transform: [trim, upper] }
  City: { from: CITY, transform: title }
  Region: REGION
  Country: { from: COUNTRY, transform: upper, map: { SPAIN: ES, ESPAÑA: ES, PORTUGAL: PT, FRANCE: FR }, default: ES }
  Email:
    - { from: [WORK_EMAIL, EMAIL], transform: [trim, lower], type: work }
  Phone:
    - { from: [WORK_PHONE, PHONE_NUMBER], transform: digits, type: work }
  Extra:
    - { id: "1411084438", from: $google.campaign_id }
    - { id: "1411084442", from: $click.gclid }
    - { id: "1411084443", from: JOB_TITLE, transform: collapse }
    - { id: "2411084401", from: company_size_question, map: { "1-10": Small, "11-50": Medium, "51+": Large } }
    - { id: "1411084437", template: "Google Ads form {{$google.form_id}}" }
`;

/** The sandbox's default custom fields by name (what `leadgate fields pull` would give). */
const customFieldIds: Record<string, string> = {
  'lead source': '1411084437',
  'utm campaign': '1411084438',
  interests: '1411084440',
  message: '1411084441',
};
const customFieldId = (name: string) => customFieldIds[name.toLowerCase()];

function load(id: string, yaml: string): Source {
  const parsed = parseSource(id, yaml);
  if (!parsed.ok) throw new Error(`${id}: ${JSON.stringify(parsed.problems)}`);
  return parsed.source;
}

/** 1,024 different demo-form posts (names with odd case and spaces, optional fields, checkboxes). */
export function formInputs(count = 1024): LeadInput[] {
  const next = random(42);
  const inputs: LeadInput[] = [];
  for (let index = 0; index < count; index++) {
    const first = pick(next, firstNames);
    const last = pick(next, lastNames);
    const fields: Record<string, string | string[]> = Object.create(null);
    fields.first_name = first;
    fields.last_name = last;
    fields.email = ` ${first.trim().toUpperCase()}.${index}@Example.com `;
    if (next() < 0.8) fields.phone = `+34 600 ${String(100000 + index).slice(-6)}`;
    const company = pick(next, companies);
    if (company) fields.company = company;
    fields.city = pick(next, cities);
    fields.country = pick(next, countries);
    fields.interests = next() < 0.5 ? [pick(next, interests), pick(next, interests)] : pick(next, interests);
    fields.message =
      next() < 0.7
        ? `Hello, we are ${company || 'a small team'} and would like a demo of your product for ${
            10 + Math.floor(next() * 90)
          } users. Please call me in the morning.`
        : '';
    const campaign = pick(next, campaigns);
    const context: Record<string, string> = {
      source: 'demo-contact',
      receivedAt: new Date(Date.UTC(2026, 10, 28, 10, 0, index % 60)).toISOString(),
      ip: `203.0.113.${index % 250}`,
      userAgent: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 Safari/605.1.15',
      referer: `https://www.example.com/contact?utm_source=google&utm_campaign=${campaign}`,
    };
    if (campaign) context['utm.campaign'] = campaign;
    context['utm.source'] = 'google';
    inputs.push({ fields, context });
  }
  return inputs;
}

/** 1,024 Google Ads webhook payloads turned into mapping inputs the way capture does it. */
export function googleAdsInputs(count = 1024): LeadInput[] {
  const next = random(7);
  const inputs: LeadInput[] = [];
  for (let index = 0; index < count; index++) {
    const first = pick(next, firstNames).trim();
    const last = pick(next, lastNames).trim();
    const columns: { column_id: string; column_name: string; string_value: string }[] = [];
    const column = (id: string, name: string, value: string) =>
      columns.push({ column_id: id, column_name: name, string_value: value });
    column('FULL_NAME', 'Full Name', next() < 0.1 ? first : `${first} ${last}`);
    column('EMAIL', 'User Email', `${first.toLowerCase()}.${index}@example.com`);
    if (next() < 0.3) column('WORK_EMAIL', 'Work Email', `${first.toLowerCase()}@globex.example`);
    column('PHONE_NUMBER', 'User Phone', `+34 (600) ${String(100000 + index).slice(-6)}`);
    column('COMPANY_NAME', 'Company Name', pick(next, companies) || 'Freelance');
    column('JOB_TITLE', 'Job Title', pick(next, ['CTO', 'Head of  Sales', 'Marketing manager', 'Founder']));
    column('CITY', 'City', pick(next, cities) || 'madrid');
    column('POSTAL_CODE', 'Postal Code', pick(next, ['28001', ' 08002', '1000-001', '75001']));
    column('COUNTRY', 'Country', pick(next, ['Spain', 'ES', 'Portugal', 'france', 'España']));
    column('company_size_question', 'How many employees?', pick(next, ['1-10', '11-50', '51+']));
    const payload = {
      lead_id: `7301234567890${String(100000 + index)}`,
      user_column_data: columns,
      api_version: '1.0',
      form_id: '9223372036854775806',
      campaign_id: `12345678901234${String(10000 + (index % 7))}`,
      google_key: 'google-key-secret',
      is_test: false,
      gcl_id: `Cj0KCQjw-${index.toString(36)}-ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789`,
      adgroup_id: '2345678901234567891',
      creative_id: '3456789012345678912',
      lead_submit_time: '2026-11-28T10:07:01Z',
    };
    const { fields, context } = googleAdsInput(payload, 'gads-spring', '2026-11-28T10:07:02.000Z');
    inputs.push({ fields, context });
  }
  return inputs;
}

/** Maps inputs in a loop for `ms` milliseconds; returns leads per second (and checks they map). */
function throughput(map: MapFunction, inputs: readonly LeadInput[], ms: number): number {
  const mask = inputs.length - 1; // a power of two
  let done = 0;
  let failed = 0;
  const start = performance.now();
  let now = start;
  while (now - start < ms) {
    for (let index = 0; index < 4096; index++) {
      const result = map(inputs[(done + index) & mask] as LeadInput);
      if (!result.ok) failed++;
      consume(result);
    }
    done += 4096;
    now = performance.now();
  }
  if (failed > 0) throw new Error(`${failed} of ${done} leads did not map: the benchmark inputs are wrong`);
  return (done / (now - start)) * 1000;
}

function measureSource(map: MapFunction, inputs: readonly LeadInput[], runs: number, runMs: number) {
  throughput(map, inputs, 1000); // warm-up: let V8 optimise
  const rates: number[] = [];
  for (let run = 0; run < runs; run++) rates.push(throughput(map, inputs, runMs));
  return summarize(rates);
}

/** Microseconds to load one config: YAML parse + zod validation + compile. */
function loadTime(id: string, yaml: string): ReturnType<typeof summarize> {
  const samples: number[] = [];
  for (let round = 0; round < 7; round++) {
    const start = performance.now();
    for (let index = 0; index < 50; index++) consume(compileMapping(load(id, yaml).lead, { customFieldId }));
    samples.push(((performance.now() - start) / 50) * 1000);
  }
  return summarize(samples.slice(2));
}

/**
 * Milliseconds to map one lead with multi-megabyte values through every step (split, template,
 * transforms, lookup), the input of test/unit/shared/mapping/engine.robustness.test.ts's "huge values" test, which
 * checks the result; the time goal lives here, not in the test.
 */
function hugeValuesTime(): ReturnType<typeof summarize> {
  const huge = `${'  mIKE o’neil-smith\t\n'.repeat(200_000)}+34 600`;
  const map = compileMapping(
    {
      FirstName: { from: 'x', part: 'first', transform: ['title', 'collapse'] },
      LastName: { template: '{{x}} {{x}}', transform: ['digits', 'upper', 'lower', 'trim'], map: { a: 'b' } },
      OrgName: { from: 'list', part: 'last' },
    } as Source['lead'],
    { customFieldId },
  );
  const input: LeadInput = { fields: { x: huge, list: Array(1000).fill(huge.slice(0, 1000)) }, context: {} };
  const samples: number[] = [];
  for (let round = 0; round < 3; round++) {
    const start = performance.now();
    const result = map(input);
    samples.push(performance.now() - start);
    if (!result.ok) throw new Error('the huge-values input did not map: the benchmark input is wrong');
    consume(result);
  }
  return summarize(samples);
}

export async function runMappingBench(runs = 5, runMs = 1000) {
  const demoYaml = readFileSync('sources/demo-contact.yaml', 'utf8');
  const demo = compileMapping(load('demo-contact', demoYaml).lead, { customFieldId });
  const gads = compileMapping(load('gads-spring', googleAdsSourceYaml).lead, { customFieldId });
  const formLeads = formInputs();
  const gadsLeads = googleAdsInputs();
  const sample = { form: demo(formLeads[3] as LeadInput), googleAds: gads(gadsLeads[3] as LeadInput) };
  return {
    goalLeadsPerSecond: 100_000,
    runs,
    runMs,
    demoContact: measureSource(demo, formLeads, runs, runMs),
    googleAds: measureSource(gads, gadsLeads, runs, runMs),
    loadMicroseconds: {
      demoContact: loadTime('demo-contact', demoYaml),
      googleAds: loadTime('gads-spring', googleAdsSourceYaml),
    },
    hugeValuesMs: hugeValuesTime(),
    goalHugeValuesMs: 5000,
    sample,
  };
}

if (import.meta.main) {
  requireNode24();
  const result = report('mapping', await runMappingBench());
  console.log('mapping + validation, one core, leads/s (median of 5 × 1 s, after 1 s warm-up):');
  console.log(`  demo-contact (form):  ${formatSummary(result.demoContact, 0)}`);
  console.log(`  gads-spring (Google): ${formatSummary(result.googleAds, 0)}`);
  console.log(
    `  config load (YAML + zod + compile), µs: demo ${formatSummary(result.loadMicroseconds.demoContact)}, google ${formatSummary(result.loadMicroseconds.googleAds)}`,
  );
  console.log(`  goal ≥ ${int(result.goalLeadsPerSecond)} leads/s per core`);
  console.log(
    `  one lead with multi-megabyte values, ms: ${formatSummary(result.hugeValuesMs)} (goal < ${int(result.goalHugeValuesMs)})`,
  );
  console.log('sample bodies:', JSON.stringify(result.sample));
}
