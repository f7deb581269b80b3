/**
 * Global setup of the integration project (vitest `globalSetup`): `setup` empties the captured logs
 * of earlier runs; `teardown` runs once every integration file has finished and scans every line
 * `test/support/log-capture.ts` captured for the personal data and secrets of the test data. Any hit
 * throws, and vitest turns an error in a global teardown into a failed run (exit code 1).
 *
 * Why a global teardown and not a last test file: vitest orders files by its own sequencer (cached
 * durations, sizes), not by name, so a `zz-` file is not guaranteed to run last; a project's global
 * teardown always runs after all of its files.
 *
 * What counts as personal data (see `personalValues`): every e-mail address and phone number
 * written in the integration tests, their support code and the sample data they post
 * (`shared/preview/payloads.ts`, `local/fakes/`), the names given as first/last/full names there, and the
 * secret values (API keys, tokens). On top of those lists, any e-mail address and any
 * international phone number in a log line is a hit, whatever it is.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { SANDBOX_TOKEN } from '#local/sandbox/server.ts';

/** Where `test/support/log-capture.ts` appends the captured lines, relative to the project root. */
export const LOG_DIR = join('test-results', 'logs');
/** The message of the canary line each test file writes through the logger (not counted, not scanned). */
export const CANARY_MESSAGE = 'log capture canary';

/** Where the test data lives: the files whose literals the integration suite posts. */
export const DATA_SOURCES = ['test/integration', 'test/support', 'shared/preview/payloads.ts', 'local/fakes'];

/** Any e-mail address. */
export const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/g;
/** An international phone number: `+`, then 7 to 15 digits with spaces, dots, dashes or brackets. */
export const PHONE = /\+\d(?:[\s().-]*\d){6,14}/g;

export interface PersonalValues {
  /** Matched as whole words, case-sensitively (names, tokens). */
  words: string[];
  /** Matched case-insensitively anywhere (e-mail addresses). */
  emails: string[];
  /** Digits of phone numbers, matched as whole digit runs. */
  digits: string[];
}

const NAME_KEYS = `first_?name|last_?name|full_?name|surname|given_?name|family_?name|FULL_NAME|FIRST_NAME|LAST_NAME`;
/** Where test code writes a name: `first_name: 'Zoë'`, `['last_name', 'Müller']`, `append('first_name', 'Jörg')`. */
const NAME_VALUE = new RegExp(
  String.raw`\b(?:${NAME_KEYS})\b['"]?\s*[:,]\s*(['"\`])([^'"\`\n]{1,80})\1`,
  'gi',
);
/** `first_name=Ana&last_name=Ruiz` inside a string. */
const NAME_PARAM = new RegExp(String.raw`\b(?:${NAME_KEYS})=([^&'"\`\s\\]{1,80})`, 'gi');
/** Ad-network shapes: `{ field: 'name', value: 'Jane Doe' }`, `{ name: 'full_name', values: ['Jane Doe'] }`. */
const NAMED_ANSWER = new RegExp(
  String.raw`(?:field|name|column_id)\s*:\s*['"](?:name|${NAME_KEYS})['"]\s*,\s*(?:value|values|string_value)\s*:\s*\[?\s*(['"])([^'"\n]{1,80})\1`,
  'gi',
);
/** `{ column_name: 'Full Name', string_value: 'Gina Googler', column_id: 'FULL_NAME' }`. */
const GOOGLE_NAME =
  /string_value\s*:\s*(['"])([^'"\n]{1,80})\1\s*,\s*column_id\s*:\s*['"](?:FULL_NAME|FIRST_NAME|LAST_NAME)['"]/g;
/** Secrets in test code: `ACME_KEY: 'value'`, `'x-api-key': 'value'`, `google_key: 'value'`. */
const SECRET_VALUE =
  /\b(?:[A-Z][A-Z0-9_]*(?:KEY|SECRET|TOKEN|PASSWORD)[A-Z0-9_]*|x-api-key|google_key|verify_token|access_token)['"]?\s*:\s*(['"`])([^'"`\n]{6,200})\1/g;

/** Field-name-like words (`first_name`, `demo-contact`): never personal. */
const IDENTIFIER = /^([a-z0-9_.-]+|[A-Z0-9_]+)$/;
/** Words of the product that test data also uses as names (`FirstName LastName` in Google's sample). */
const NOT_PERSONAL = new Set([
  'FirstName',
  'LastName',
  'Full Name',
  'FirstName LastName',
  'Anonymous',
  'dummy_value',
]);

/** Every file ending in `suffix` under the given paths (files or folders). */
function sourceFiles(paths: readonly string[], suffix: string): string[] {
  const files: string[] = [];
  const visit = (path: string) => {
    if (!existsSync(path)) return;
    if (statSync(path).isDirectory()) for (const name of readdirSync(path)) visit(join(path, name));
    else if (path.endsWith(suffix)) files.push(path);
  };
  for (const path of paths) visit(path);
  return files;
}

/**
 * The personal values and secrets written in `texts` (source code of test data): see the module
 * comment. Names shorter than 3 characters (`A`, `X`) and identifiers are left out: too common to
 * search for, and not realistic personal data.
 */
export function personalValuesIn(
  texts: readonly string[],
  secrets: readonly string[] = [],
  vocabulary: readonly string[] = [],
): PersonalValues {
  const configWords = new Set(vocabulary.flatMap((text) => text.match(/[\p{L}\p{N}]+/gu) ?? []));
  const words = new Set<string>(secrets.filter((secret) => secret.length >= 6));
  const emails = new Set<string>();
  const digits = new Set<string>();
  const addName = (raw: string) => {
    const name = raw.trim();
    const personal = (word: string) =>
      word.length >= 3 && !IDENTIFIER.test(word) && !NOT_PERSONAL.has(word) && !configWords.has(word);
    if (!personal(name) || name.includes('${')) return;
    words.add(name);
    for (const part of name.split(/\s+/)) if (personal(part)) words.add(part);
  };
  for (const text of texts) {
    for (const match of text.matchAll(EMAIL)) emails.add(match[0].toLowerCase());
    for (const match of text.matchAll(PHONE)) {
      words.add(match[0]);
      digits.add(match[0].replace(/\D/g, ''));
    }
    for (const pattern of [NAME_VALUE, NAMED_ANSWER, GOOGLE_NAME]) {
      for (const match of text.matchAll(pattern)) addName(match[2] ?? '');
    }
    for (const match of text.matchAll(NAME_PARAM)) addName(decodeURIComponentSafe(match[1] ?? ''));
    for (const match of text.matchAll(SECRET_VALUE)) {
      const secret = match[2] ?? '';
      if (!secret.includes('${') && !/^[A-Z][A-Z0-9_]*$/.test(secret)) words.add(secret);
    }
  }
  return { words: [...words], emails: [...emails], digits: [...digits].filter((run) => run.length >= 8) };
}

function decodeURIComponentSafe(text: string): string {
  try {
    return decodeURIComponent(text.replaceAll('+', ' '));
  } catch {
    return text;
  }
}

/**
 * The personal values of the integration suite's data (see `DATA_SOURCES`), plus the sandbox token.
 * Name words that the shipped source configs also use (`Lead` of the custom field "Lead source")
 * are configuration vocabulary that log lines may legitimately name: they are left out.
 */
export function personalValues(root = process.cwd()): PersonalValues {
  const read = (paths: string[], suffix: string) =>
    sourceFiles(
      paths.map((path) => join(root, path)),
      suffix,
    ).map((file) => readFileSync(file, 'utf8'));
  return personalValuesIn(read(DATA_SOURCES, '.ts'), [SANDBOX_TOKEN], read(['sources'], '.yaml'));
}

export interface Hit {
  /** The test file that was running (its marker line), or `unknown`. */
  testFile: string;
  /** What was found (the value, or `e-mail address` / `phone number` for a pattern hit). */
  found: string;
  /** The log line's message. */
  message: string;
}

export interface ScanReport {
  hits: Hit[];
  /** Test files that ran (marker lines). */
  testFiles: number;
  /** Canary lines: each file that ran writes one through the real logger (capture works). */
  canaries: number;
  /** Log lines captured, canaries not counted. */
  logLines: number;
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** A matcher for whole-word occurrences (Unicode letters and digits delimit words). */
function wordMatcher(values: readonly string[]): RegExp | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => b.length - a.length).map(escapeRegExp);
  return new RegExp(`(?<![\\p{L}\\p{N}])(?:${sorted.join('|')})(?![\\p{L}\\p{N}])`, 'gu');
}

/**
 * Scans captured lines (JSONL text: log lines, `_testFile` markers, `_text` console output) for the
 * personal values and for any e-mail address or international phone number.
 */
export function scanLines(lines: readonly string[], values: PersonalValues): ScanReport {
  const words = wordMatcher(values.words);
  const digits =
    values.digits.length > 0 ? new RegExp(`(?<!\\d)(?:${values.digits.join('|')})(?!\\d)`, 'g') : undefined;
  const emails = values.emails.map((email) => email.toLowerCase());
  const report: ScanReport = { hits: [], testFiles: 0, canaries: 0, logLines: 0 };
  let testFile = 'unknown';
  for (const line of lines) {
    if (line.trim() === '') continue;
    let parsed: Record<string, unknown> = {};
    try {
      parsed = JSON.parse(line) as Record<string, unknown>;
    } catch {
      // a torn line is still scanned as text
    }
    if (typeof parsed._testFile === 'string') {
      testFile = parsed._testFile;
      report.testFiles += 1;
      continue;
    }
    if (parsed.message === CANARY_MESSAGE) {
      report.canaries += 1;
      continue;
    }
    if (typeof parsed.level === 'string') report.logLines += 1;
    // scan the decoded text too, so a value JSON-escaped in the line (\u00eb) is still found
    const text = `${line}\n${decodedStrings(parsed).join('\n')}`;
    const message =
      typeof parsed.message === 'string'
        ? parsed.message
        : typeof parsed._text === 'string'
          ? parsed._text
          : line;
    const found = new Set<string>();
    const hit = (value: string) => {
      if (found.has(value)) return;
      found.add(value);
      report.hits.push({ testFile, found: value, message: message.slice(0, 200) });
    };
    const lower = text.toLowerCase();
    for (const email of emails) if (lower.includes(email)) hit(email);
    for (const match of text.matchAll(EMAIL))
      if (!emails.includes(match[0].toLowerCase())) hit(`e-mail address ${match[0]}`);
    for (const match of text.matchAll(PHONE)) hit(`phone number ${match[0]}`);
    for (const match of words ? text.matchAll(words) : []) hit(match[0]);
    for (const match of digits ? text.matchAll(digits) : []) hit(`phone digits ${match[0]}`);
  }
  return report;
}

function decodedStrings(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') out.push(value);
  else if (Array.isArray(value)) for (const item of value) decodedStrings(item, out);
  else if (value !== null && typeof value === 'object')
    for (const item of Object.values(value)) decodedStrings(item, out);
  return out;
}

/** Every line of every captured file under `dir`. */
export function capturedLines(dir = LOG_DIR): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => name.endsWith('.jsonl'))
    .sort()
    .flatMap((name) => readFileSync(join(dir, name), 'utf8').split('\n'));
}

/** The failure message for a report, or undefined when the logs are clean. */
export function verdict(report: ScanReport): string | undefined {
  if (report.hits.length > 0) {
    const shown = report.hits
      .slice(0, 20)
      .map((hit) => `  ${hit.testFile}: ${hit.found} in "${hit.message}"`)
      .join('\n');
    return (
      `personal data in the logs: ${report.hits.length} hit(s) in ${report.logLines} log lines\n${shown}` +
      (report.hits.length > 20 ? `\n  … and ${report.hits.length - 20} more` : '')
    );
  }
  if (report.testFiles > 0 && report.canaries < report.testFiles) {
    return (
      `${report.testFiles} integration file(s) ran but only ${report.canaries} canary log line(s) were captured: ` +
      'the scan would pass vacuously (see test/support/log-capture.ts)'
    );
  }
  return undefined;
}

/** The setup file that captures the logs this scan reads. */
const CAPTURE_SETUP_FILE = 'test/support/log-capture.ts';

/**
 * Empties the captured logs of earlier runs, and refuses to start when the project does not capture
 * logs (its `setupFiles` lack log-capture.ts): the scan would then always pass.
 */
export function setup(project?: { config: { setupFiles: string[] } }): void {
  const setupFiles = project?.config.setupFiles ?? [];
  if (project && !setupFiles.some((file) => file.replaceAll('\\', '/').endsWith(CAPTURE_SETUP_FILE))) {
    throw new Error(`the personal-data scan needs ${CAPTURE_SETUP_FILE} in the project's setupFiles`);
  }
  rmSync(LOG_DIR, { recursive: true, force: true });
  mkdirSync(LOG_DIR, { recursive: true });
}

export function teardown(): void {
  const values = personalValues();
  // the scanner must find a known value, or a broken pattern would pass every run
  const probe = scanLines(
    [JSON.stringify({ level: 'INFO', message: `probe ${values.words[0] ?? ''}` })],
    values,
  );
  if (values.words.length === 0 || values.emails.length === 0 || probe.hits.length === 0) {
    throw new Error(
      'the personal-data scan found no test data to look for: check DATA_SOURCES in pii-scan.global.ts',
    );
  }
  const problem = verdict(scanLines(capturedLines(), values));
  if (problem) throw new Error(problem);
}
