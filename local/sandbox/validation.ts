import type { z } from 'zod';

type Issue = z.core.$ZodIssue;

/** Renders a zod path the way a reader of the Onpipeline reference would write it: `Email[0].Type`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let text = '';
  for (const key of path) {
    if (typeof key === 'number') text += `[${key}]`;
    else text += text === '' ? String(key) : `.${String(key)}`;
  }
  return text;
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let value = input;
  for (const key of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

function withArticle(expected: string): string {
  return /^[aeiou]/.test(expected) ? `an ${expected}` : `a ${expected}`;
}

function describeIssue(issue: Issue, input: unknown): string {
  const path = formatPath(issue.path);
  const subject = path === '' ? 'The body' : path;
  switch (issue.code) {
    case 'invalid_type':
      return valueAt(input, issue.path) === undefined
        ? `${subject} is mandatory`
        : `${subject} must be ${withArticle(issue.expected)}`;
    case 'invalid_value':
      return `${subject} must be one of ${issue.values.map(String).join(', ')}`;
    case 'too_small':
      return issue.origin === 'string' && issue.minimum === 1
        ? `${subject} must not be empty`
        : `${subject} is too small (${issue.message})`;
    case 'unrecognized_keys': {
      const noun = issue.keys.length === 1 ? 'field' : 'fields';
      const keys = issue.keys.join(', ');
      return path === '' ? `Unknown ${noun} ${keys}` : `${path} has unknown ${noun} ${keys}`;
    }
    default:
      return `${subject} is invalid (${issue.message})`;
  }
}

const maxIssues = 10;

/**
 * Turns zod issues into one Onpipeline-style message naming each field and its problem, e.g.
 * `LastName is mandatory; Email[0].Type must be one of work, home, other`.
 */
export function describeIssues(issues: readonly Issue[], input: unknown): string {
  const messages = issues.slice(0, maxIssues).map((issue) => describeIssue(issue, input));
  if (issues.length > maxIssues) messages.push(`and ${issues.length - maxIssues} more`);
  return messages.join('; ');
}
