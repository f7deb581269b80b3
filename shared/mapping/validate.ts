import { emailTypes, leadsinTextFields, phoneTypes } from '#shared/onpipeline/fields.ts';

/**
 * The mapping engine's last check of a body it built: hand-written twins of `leadsinBodySchema`
 * (`#shared/onpipeline/schema.ts`): `isValidLeadsinBody` for the hot path (zod costs more than the
 * whole mapping), and `leadsinIssues` for the rare body that fails, which reports exactly the issues
 * zod reports. The functions never load zod for it (docs/architecture.md, "Cold start"); unit tests
 * prove that the twins accept exactly what the schema accepts and report what it reports.
 */

const bodyKeys = new Set<string>([...leadsinTextFields, 'Phone', 'Email', 'Extra']);
const optionalTextKeys = leadsinTextFields.filter((field) => field !== 'FirstName' && field !== 'LastName');
const phoneKeys = new Set<string>(['Number', 'Type']);
const emailKeys = new Set<string>(['Address', 'Type']);
const extraKeys = new Set<string>(['ID', 'Value']);
const phoneTypeSet = new Set<unknown>(phoneTypes);
const emailTypeSet = new Set<unknown>(emailTypes);
const numericId = /^\d+$/;

type Item = Record<string, unknown>;

function isObject(value: unknown): value is Item {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** zod's strictObject: every enumerable key, own or inherited, must be declared. */
function hasOnlyKeys(value: Item, keys: ReadonlySet<string>): boolean {
  for (const key in value) if (!keys.has(key)) return false;
  return true;
}

/** `z.string().trim().min(1)` */
function isText(value: unknown): boolean {
  return typeof value === 'string' && value.trim() !== '';
}

function isListOf(value: unknown, isItem: (item: unknown) => boolean): boolean {
  if (value === undefined) return true;
  if (!Array.isArray(value)) return false;
  for (const item of value) if (!isItem(item)) return false;
  return true;
}

const isPhone = (item: unknown): boolean =>
  isObject(item) && hasOnlyKeys(item, phoneKeys) && isText(item.Number) && phoneTypeSet.has(item.Type);
const isEmail = (item: unknown): boolean =>
  isObject(item) && hasOnlyKeys(item, emailKeys) && isText(item.Address) && emailTypeSet.has(item.Type);
const isExtra = (item: unknown): boolean =>
  isObject(item) &&
  hasOnlyKeys(item, extraKeys) &&
  typeof item.ID === 'string' &&
  numericId.test(item.ID) &&
  typeof item.Value === 'string';

/**
 * `true` exactly when `leadsinBodySchema.safeParse(body).success` is: FirstName and LastName are
 * non-blank strings, the other text fields are strings or absent, Phone/Email/Extra are lists of
 * strict `{ Number|Address (non-blank), Type (enum) }` / `{ ID (digits), Value }` objects, and no
 * undeclared key appears anywhere. (zod would also trim the names in its output; the engine's values
 * are trimmed already.)
 *
 * @example
 * isValidLeadsinBody({ FirstName: 'Mike', LastName: 'Smith' }); // true
 * isValidLeadsinBody({ FirstName: 'Mike', LastName: ' ' }); // false
 */
export function isValidLeadsinBody(body: unknown): boolean {
  if (!isObject(body) || !hasOnlyKeys(body, bodyKeys)) return false;
  if (!isText(body.FirstName) || !isText(body.LastName)) return false;
  for (const key of optionalTextKeys) {
    const value = body[key];
    if (value !== undefined && typeof value !== 'string') return false;
  }
  return isListOf(body.Phone, isPhone) && isListOf(body.Email, isEmail) && isListOf(body.Extra, isExtra);
}

/**
 * A zod issue path as a Leadsin path: `['Email', 0, 'Address']` → `Email[0].Address`; the body itself
 * is `body`.
 *
 * @example
 * formatLeadsinPath(['Extra', 2, 'ID']); // 'Extra[2].ID'
 */
export function formatLeadsinPath(path: readonly PropertyKey[]): string {
  let text = '';
  for (const segment of path) {
    if (typeof segment === 'number') text += `[${segment}]`;
    else text += text === '' ? String(segment) : `.${String(segment)}`;
  }
  return text === '' ? 'body' : text;
}

/** The part of a zod issue the errors map needs. */
export interface IssueLike {
  code: string;
  path: readonly PropertyKey[];
  message: string;
  keys?: readonly string[];
}

/**
 * Turns zod issues into the engine's errors map (Leadsin path → message). Keys already in `errors`
 * keep their message (the engine's own messages say more than zod's); an undeclared key becomes
 * `<path>: "is not a Leadsin field"`.
 *
 * @example
 * const errors: Record<string, string> = {};
 * addIssues(errors, leadsinBodySchema.safeParse(body).error?.issues ?? []);
 */
export function addIssues(errors: Record<string, string>, issues: readonly IssueLike[]): void {
  for (const issue of issues) {
    const entries: [string, string][] =
      issue.code === 'unrecognized_keys' && issue.keys !== undefined
        ? issue.keys.map((key) => [formatLeadsinPath([...issue.path, key]), 'is not a Leadsin field'])
        : [[formatLeadsinPath(issue.path), issue.message]];
    for (const [path, message] of entries) {
      if (Object.hasOwn(errors, path)) continue;
      // defineProperty, so even a `__proto__` path is an ordinary key
      Object.defineProperty(errors, path, {
        value: message,
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
  }
}

/**
 * Validates a body the engine built: the fast twin first, zod's issues only when it fails. Returns
 * whether the body is valid and adds zod's issues to `errors` when it is not.
 *
 * @example
 * const errors: Record<string, string> = {};
 * validateLeadsinBody({ FirstName: 'Mike' }, errors); // false; errors.LastName is set
 */
export function validateLeadsinBody(body: unknown, errors: Record<string, string>): boolean {
  if (isValidLeadsinBody(body)) return true;
  const issues = leadsinIssues(body);
  if (issues.length === 0) return true; // unreachable while the twins agree
  addIssues(errors, issues);
  return false;
}

/** zod's name for the type of a value in its messages ("expected string, received number"). */
function receivedType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isNaN(value) ? 'NaN' : 'number';
  if (typeof value === 'object') {
    const prototype = Object.getPrototypeOf(value) as { constructor?: { name?: string } } | null;
    const name = prototype?.constructor?.name;
    return prototype && prototype !== Object.prototype && name ? name : 'object';
  }
  return typeof value;
}

type Path = PropertyKey[];

const expected = (path: Path, type: string, value: unknown): IssueLike => ({
  code: 'invalid_type',
  path,
  message: `Invalid input: expected ${type}, received ${receivedType(value)}`,
});

/** `z.strictObject` over `shape` (key → check of its value): the keys' issues, then unknown keys. */
function objectIssues(
  value: unknown,
  path: Path,
  shape: Record<string, (value: unknown, path: Path) => IssueLike[]>,
): IssueLike[] {
  if (!isObject(value)) return [expected(path, 'object', value)];
  const issues: IssueLike[] = [];
  for (const [key, check] of Object.entries(shape)) issues.push(...check(value[key], [...path, key]));
  const unknown: string[] = [];
  for (const key in value) if (!Object.hasOwn(shape, key)) unknown.push(key);
  if (unknown.length > 0) {
    issues.push({
      code: 'unrecognized_keys',
      path,
      keys: unknown,
      message: `Unrecognized key${unknown.length > 1 ? 's' : ''}: ${unknown.map((key) => `"${key}"`).join(', ')}`,
    });
  }
  return issues;
}

const textIssues = (value: unknown, path: Path): IssueLike[] =>
  typeof value !== 'string'
    ? [expected(path, 'string', value)]
    : value.trim() === ''
      ? [{ code: 'too_small', path, message: 'must not be empty' }]
      : [];
const stringIssues = (value: unknown, path: Path): IssueLike[] =>
  typeof value === 'string' ? [] : [expected(path, 'string', value)];
const optional =
  (check: (value: unknown, path: Path) => IssueLike[]) =>
  (value: unknown, path: Path): IssueLike[] =>
    value === undefined ? [] : check(value, path);
const oneOf =
  (options: readonly string[]) =>
  (value: unknown, path: Path): IssueLike[] =>
    options.includes(value as string)
      ? []
      : [
          {
            code: 'invalid_value',
            path,
            message: `Invalid option: expected one of ${options.map((option) => `"${option}"`).join('|')}`,
          },
        ];
const listOf =
  (check: (value: unknown, path: Path) => IssueLike[]) =>
  (value: unknown, path: Path): IssueLike[] =>
    Array.isArray(value)
      ? value.flatMap((item, index) => check(item, [...path, index]))
      : [expected(path, 'array', value)];

const phoneIssues = (value: unknown, path: Path) =>
  objectIssues(value, path, { Number: textIssues, Type: oneOf(phoneTypes) });
const emailIssues = (value: unknown, path: Path) =>
  objectIssues(value, path, { Address: textIssues, Type: oneOf(emailTypes) });
const extraIssues = (value: unknown, path: Path) =>
  objectIssues(value, path, {
    ID: (id, at) =>
      typeof id !== 'string'
        ? [expected(at, 'string', id)]
        : numericId.test(id)
          ? []
          : [{ code: 'invalid_format', path: at, message: 'custom field IDs are numeric strings' }],
    Value: stringIssues,
  });

/** The body's keys in `leadsinBodySchema`'s order, each with its check. */
const bodyShape: Record<string, (value: unknown, path: Path) => IssueLike[]> = {
  FirstName: textIssues,
  LastName: textIssues,
  Phone: optional(listOf(phoneIssues)),
  Email: optional(listOf(emailIssues)),
  ...Object.fromEntries(optionalTextKeys.map((key) => [key, optional(stringIssues)])),
  Extra: optional(listOf(extraIssues)),
};

/**
 * The issues `leadsinBodySchema.safeParse(body)` reports (code, path, message and, for unknown keys,
 * the keys), in its order, without zod; none for a valid body.
 *
 * @example
 * leadsinIssues({ FirstName: 'Mike' });
 * // [{ code: 'invalid_type', path: ['LastName'], message: 'Invalid input: expected string, received undefined' }]
 */
export function leadsinIssues(body: unknown): IssueLike[] {
  return objectIssues(body, [], bodyShape);
}
