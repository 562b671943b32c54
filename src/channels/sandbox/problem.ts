import type { z } from 'zod';
import { jsonPointer } from '../../core/index.js';
import type { Problem, ProblemFieldError } from './wire.js';

/**
 * Errors are translated here, once. The control API answers RFC 9457 problems; the channel API
 * answers the channel's own `{ code, message }`. Field errors carry a JSON pointer and the reason,
 * never the rejected value (it may be an account or ID number).
 */

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

const PROBLEM_TYPE_BASE = 'https://daikou.dev/problems/sandbox/';

export function problem(status: number, slug: string, title: string, detail: string, errors?: ProblemFieldError[]): Problem {
  return { type: PROBLEM_TYPE_BASE + slug, title, status, detail, ...(errors === undefined ? {} : { errors }) };
}

export function validationProblem(errors: ProblemFieldError[]): Problem {
  return problem(400, 'invalid-request', 'Invalid request', describe(errors), errors);
}

export function describe(errors: readonly ProblemFieldError[]): string {
  return errors.map((error) => `${error.pointer ?? error.parameter ?? ''} ${error.detail}`.trim()).join('; ');
}


/** One field error per bad field; an unknown field is reported at its own pointer. */
export function fieldErrors(issues: readonly z.core.$ZodIssue[], input: unknown): ProblemFieldError[] {
  const errors: ProblemFieldError[] = [];
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        errors.push({ pointer: jsonPointer([...issue.path, key]), code: 'unknown_field', detail: 'is not a known field' });
      }
      continue;
    }
    const missing = issue.code === 'invalid_type' && valueAt(input, issue.path) === undefined;
    errors.push({
      pointer: jsonPointer(issue.path),
      code: missing ? 'required' : codeOf(issue.code),
      detail: missing ? 'is required' : issue.message,
    });
  }
  return errors;
}

function codeOf(code: z.core.$ZodIssue['code']): string {
  switch (code) {
    case 'invalid_type':
      return 'invalid_type';
    case 'too_small':
    case 'too_big':
      return 'out_of_range';
    case 'invalid_format':
    case 'invalid_value':
      return 'invalid_value';
    default:
      return 'invalid';
  }
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let value = input;
  for (const segment of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<PropertyKey, unknown>)[segment];
  }
  return value;
}
