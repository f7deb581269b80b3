import { type CountryCode, requirePhoneRules } from '#shared/mapping/phone.ts';
import { collapseWhitespace, splitName, transformFunctions } from '#shared/mapping/transforms.ts';
import type { Transform, ValueExpression, ValueExpressionObject } from '#shared/sources/schema.ts';

/**
 * Value expressions (`FirstName: { from: [first_name, name], transform: title }`) compiled once into
 * closures. The pipeline of one expression, in this order:
 *
 * 1. source: `from` (the first non-empty of the named values), `value` (a constant) or `template`;
 * 2. `part`: `first` or `last` word(s) of a full name;
 * 3. `transform`: one or a list, applied in order (`e164` reads its `defaultCountry`, see below);
 * 4. `map`: a lookup table on the value so far; a value not in the table passes through unchanged;
 * 5. `default`: used when the value so far is empty.
 *
 * Values are trimmed as they are read (so `map` compares trimmed values) and the result is trimmed
 * again; '' means "absent". Empty always means missing, '' or whitespace-only (or an empty list).
 */

/** A lead's input fields or its context values, as the engine reads them (own properties only). */
export type ValueRecord = Readonly<Record<string, unknown>>;

/** The parts of a value expression the engine reads; Email, Phone and Extra items carry more keys. */
export type ExpressionFields = Pick<
  ValueExpressionObject,
  'from' | 'value' | 'template' | 'part' | 'transform' | 'map' | 'default' | 'defaultCountry'
>;

/** What the caller of `compileExpression` may want to hear about; no lead value is ever passed. */
export interface ExpressionHooks {
  /** The `e164` transform met a number it could not read: the value was kept as it was. */
  onUnparsedPhone?: () => void;
}

export interface CompiledExpression {
  /** The final value, trimmed; '' means absent. */
  evaluate(fields: ValueRecord, context: ValueRecord): string;
  /**
   * Why `evaluate` gave '' for this input, for a marketing person: where the value was expected from
   * and which step emptied it, e.g. `none of first_name, full_name has a value`. Slow path only.
   */
  explain(fields: ValueRecord, context: ValueRecord): string;
}

type Reader = (fields: ValueRecord, context: ValueRecord) => string;
type Traced = { value: string; origin: string } | { missing: string };
interface Source {
  read: Reader;
  trace(fields: ValueRecord, context: ValueRecord): Traced;
}
interface Step {
  /** `quiet`: explaining a value again, not mapping a lead (hooks are not told twice). */
  run: (value: string, fields: ValueRecord, context: ValueRecord, quiet?: boolean) => string;
  /** Completes "the value of X ..." when this step leaves nothing. */
  emptied: string;
}

const E164_EMPTIED = 'is empty after the e164 transform';
const placeholderPattern = /\{\{([^{}]*)\}\}/g;

/**
 * Reads one value of a lead: an own property of `record` (never an inherited one such as `__proto__`,
 * `constructor` or `toString`). A string is trimmed; a list (repeated field, e.g. checkboxes) keeps its
 * non-empty entries, trimmed, joined with ', '. Anything else reads as ''.
 *
 * @example
 * readValue({ topics: ['Pricing', ' ', 'Demo'] }, 'topics'); // 'Pricing, Demo'
 * readValue(JSON.parse('{"__proto__":" x "}'), '__proto__'); // 'x'
 * readValue({}, 'constructor'); // ''
 */
export function readValue(record: ValueRecord, key: string): string {
  if (!Object.hasOwn(record, key)) return '';
  const value = record[key];
  if (typeof value === 'string') return value.trim();
  if (!Array.isArray(value)) return '';
  let joined = '';
  for (const entry of value) {
    if (typeof entry !== 'string') continue;
    const trimmed = entry.trim();
    if (trimmed === '') continue;
    joined = joined === '' ? trimmed : `${joined}, ${trimmed}`;
  }
  return joined;
}

/** `first_name` reads the field, `$utm.campaign` the context value `utm.campaign`. */
function readerFor(name: string): Reader {
  if (name.startsWith('$')) {
    const key = name.slice(1);
    return (_fields, context) => readValue(context, key);
  }
  return (fields) => readValue(fields, name);
}

function noneHasAValue(names: readonly string[]): string {
  return names.length === 1 ? `${names[0]} has no value` : `none of ${names.join(', ')} has a value`;
}

function fromSource(from: string | readonly string[]): Source {
  const names = typeof from === 'string' ? [from] : [...from];
  const readers = names.map(readerFor);
  const [only] = readers;
  const read: Reader =
    readers.length === 1 && only !== undefined
      ? only
      : (fields, context) => {
          for (const reader of readers) {
            const value = reader(fields, context);
            if (value !== '') return value;
          }
          return '';
        };
  return {
    read,
    trace(fields, context) {
      for (const [index, reader] of readers.entries()) {
        const value = reader(fields, context);
        if (value !== '') return { value, origin: `the value of ${names[index]}` };
      }
      return { missing: noneHasAValue(names) };
    },
  };
}

function templateSource(template: string): Source {
  // literals[0] reader[0] literals[1] reader[1] ... literals[n]
  const literals: string[] = [];
  const readers: Reader[] = [];
  const names: string[] = [];
  let last = 0;
  for (const match of template.matchAll(placeholderPattern)) {
    const name = (match[1] ?? '').trim();
    if (name === '') continue; // `{{ }}` is text, not a placeholder
    literals.push(template.slice(last, match.index));
    readers.push(readerFor(name));
    if (!names.includes(name)) names.push(name);
    last = match.index + match[0].length;
  }
  literals.push(template.slice(last));
  const head = literals[0] ?? '';
  const read: Reader = (fields, context) => {
    let text = head;
    let filled = readers.length === 0;
    for (let index = 0; index < readers.length; index++) {
      const value = (readers[index] as Reader)(fields, context);
      if (value !== '') filled = true;
      text += value + (literals[index + 1] as string);
    }
    return filled ? collapseWhitespace(text) : '';
  };
  const origin = `the template "${template}"`;
  return {
    read,
    trace(fields, context) {
      const value = read(fields, context);
      if (value !== '') return { value, origin };
      return {
        missing: names.length === 0 ? `${origin} is empty` : `${origin} is empty: ${noneHasAValue(names)}`,
      };
    },
  };
}

function constantSource(value: string, origin: string): Source {
  return {
    read: () => value,
    trace: () => (value === '' ? { missing: `${origin} is empty` } : { value, origin }),
  };
}

/**
 * The `e164` step. The country of national numbers is `defaultCountry`: a constant code, or a value
 * expression read from the same lead, whose value is used when it is a known country code, else its
 * `default` when that is one, else none (then only international numbers are rewritten). A number
 * that cannot be read stays as it is and `onUnparsedPhone` is told. The phone rules must be loaded
 * (`loadPhoneRules`, see `phone.ts`): compiling the step throws otherwise, never mapping a lead.
 */
function e164Step(expression: ExpressionFields, hooks: ExpressionHooks): Step {
  const { isPhoneCountry, toE164 } = requirePhoneRules('compiling a mapping that uses the e164 transform');
  const setting = expression.defaultCountry;
  let country: (fields: ValueRecord, context: ValueRecord) => CountryCode | undefined = () => undefined;
  if (typeof setting === 'string') {
    const code = setting.trim().toUpperCase();
    if (isPhoneCountry(code)) country = () => code;
  } else if (setting !== undefined) {
    const read = compileExpression({ ...setting, default: undefined, defaultCountry: undefined });
    const fallback = String(setting.default ?? '')
      .trim()
      .toUpperCase();
    const fallbackCode = isPhoneCountry(fallback) ? fallback : undefined;
    country = (fields, context) => {
      const code = read.evaluate(fields, context).toUpperCase();
      return isPhoneCountry(code) ? code : fallbackCode;
    };
  }
  const onUnparsed = hooks.onUnparsedPhone;
  return {
    run: (value, fields, context, quiet) => {
      const e164 = toE164(value, country(fields, context));
      if (e164 !== undefined) return e164;
      if (onUnparsed && !quiet) {
        try {
          onUnparsed();
        } catch {
          // a counter that fails must not fail the lead
        }
      }
      return value;
    },
    emptied: E164_EMPTIED,
  };
}

function stepsOf(expression: ExpressionFields, hooks: ExpressionHooks): Step[] {
  const steps: Step[] = [];
  if (expression.part !== undefined) {
    const part = expression.part;
    steps.push({
      run: (value) => splitName(value, part),
      emptied: `has no ${part} name part (it is a single word)`,
    });
  }
  const transforms: readonly Transform[] =
    expression.transform === undefined
      ? []
      : typeof expression.transform === 'string'
        ? [expression.transform]
        : expression.transform;
  for (const transform of transforms) {
    if (transform === 'e164') {
      steps.push(e164Step(expression, hooks));
      continue;
    }
    const run = transformFunctions[transform];
    if (typeof run !== 'function') continue; // not a transform: the schema refuses it already
    steps.push({ run, emptied: `is empty after the ${transform} transform` });
  }
  if (expression.map !== undefined) {
    // A Map built from own entries: `__proto__`, `constructor`... are ordinary keys here.
    const table = new Map<string, string>();
    for (const [key, value] of Object.entries(expression.map)) table.set(key, String(value));
    steps.push({
      run: (value) => (value === '' ? value : (table.get(value) ?? value)),
      emptied: 'is turned into an empty value by map',
    });
  }
  return steps;
}

type Pipeline = (value: string, fields: ValueRecord, context: ValueRecord) => string;

function pipelineOf(steps: readonly Step[]): Pipeline | undefined {
  if (steps.length === 0) return undefined;
  const runs = steps.map((step) => step.run);
  const [only] = runs;
  if (runs.length === 1 && only !== undefined)
    return (value, fields, context) => only(value, fields, context).trim();
  return (value, fields, context) => {
    let result = value;
    for (const run of runs) result = run(result, fields, context);
    return result.trim();
  };
}

/**
 * Compiles one value expression into a closure pair (see the module comment for the pipeline). A
 * string is the shorthand for `{ from: <string> }`. Names starting with `$` read the context map
 * (`$utm.campaign` → `context['utm.campaign']`); all lookups are own-property lookups. Template
 * placeholders (`{{ first_name }}`, `{{$utm.source}}`) read values the same way, missing ones render
 * as '', the text is whitespace-collapsed and trimmed, and a template whose placeholders are all
 * empty gives '' (so `default` applies). `map` looks the value up exactly (case-sensitive) and leaves
 * a value not in its table unchanged; it is not applied to an empty value. A `value` expression is
 * folded into a constant at compile time.
 *
 * @example
 * const name = compileExpression({ from: ['first_name', 'name'], transform: 'title', default: '-' });
 * name.evaluate({ name: 'mIKE' }, {}); // 'Mike'
 * name.evaluate({}, {}); // '-'
 */
export function compileExpression(
  expression: ValueExpression | ExpressionFields,
  hooks: ExpressionHooks = {},
): CompiledExpression {
  const fields: ExpressionFields = typeof expression === 'string' ? { from: expression } : expression;
  const source: Source =
    fields.from !== undefined
      ? fromSource(fields.from)
      : fields.template !== undefined
        ? templateSource(fields.template)
        : fields.value !== undefined
          ? constantSource(String(fields.value).trim(), 'the constant value')
          : constantSource('', 'the expression (it has no from, value or template)');
  const steps = stepsOf(fields, hooks);
  const pipeline = pipelineOf(steps);
  const fallback = fields.default === undefined ? '' : String(fields.default).trim();
  const read = source.read;

  let evaluate: Reader = pipeline
    ? (values, context) => {
        const value = read(values, context);
        if (value === '') return fallback;
        const result = pipeline(value, values, context);
        return result === '' ? fallback : result;
      }
    : (values, context) => {
        const value = read(values, context);
        return value === '' ? fallback : value;
      };
  // A constant is folded once, unless e164 must count an unreadable number or read a lead's country.
  const usesE164 = steps.some((step) => step.emptied === E164_EMPTIED);
  if (fields.from === undefined && fields.template === undefined && !usesE164) {
    const constant = evaluate({}, {});
    evaluate = () => constant;
  }

  return {
    evaluate,
    explain(values, context) {
      const traced = source.trace(values, context);
      if ('missing' in traced) return traced.missing;
      let value = traced.value;
      for (const step of steps) {
        value = step.run(value, values, context, true).trim();
        if (value === '') return `${traced.origin} ${step.emptied}`;
      }
      return `${traced.origin} is empty`;
    },
  };
}
