import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { AppError, type FieldError } from '../app/errors.js';
import { isUniqueViolation } from '../storage/database.js';

/**
 * The one place where failures become HTTP answers: RFC 9457 problem+json with a JSON pointer
 * for each bad field. Unexpected errors are logged and answered without their details.
 */
const TYPE_BASE = 'https://daikou.dev/problems/';

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  errors?: FieldError[];
}

const TITLES: Record<number, string> = {
  400: 'Invalid request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not found',
  405: 'Method not allowed',
  409: 'Conflict',
  413: 'Payload too large',
  415: 'Unsupported media type',
  500: 'Internal error',
  502: 'Bad gateway',
};

export function problem(status: number, kind: string, detail: string, errors?: FieldError[]): ProblemBody {
  return { type: `${TYPE_BASE}${kind}`, title: TITLES[status] ?? 'Error', status, detail, ...(errors && errors.length > 0 ? { errors } : {}) };
}

export function sendProblem(reply: FastifyReply, body: ProblemBody): FastifyReply {
  return reply.code(body.status).type('application/problem+json').send(body);
}

function escapePointerPart(part: string): string {
  return part.replaceAll('~', '~0').replaceAll('/', '~1');
}

export function errorHandler(error: FastifyError | AppError | Error, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  if (error instanceof AppError) return sendProblem(reply, problem(error.status, error.kind, error.message, error.errors));
  if (hasZodFastifySchemaValidationErrors(error)) {
    const where = (error as FastifyError).validationContext ?? 'body';
    const errors: FieldError[] = error.validation.flatMap((issue): FieldError[] => {
      const base = issue.instancePath === '/' ? '' : issue.instancePath;
      const prefix = where === 'body' ? '' : `/${where}`;
      if (issue.keyword === 'unrecognized_keys') {
        const keys = (issue.params as { keys?: string[] }).keys ?? [];
        return keys.map((key) => ({ pointer: `${prefix}${base}/${escapePointerPart(key)}`, code: 'unknown_field', detail: `Unknown field "${key}".` }));
      }
      return [{ pointer: `${prefix}${base}` || '/', code: issue.keyword, detail: issue.message ?? 'Invalid value.' }];
    });
    return sendProblem(reply, problem(400, 'validation_failed', `The request ${where} has invalid fields.`, errors));
  }
  // A unique index refused a write that raced another request for the same name (a plan, a rule,
  // a channel): nothing was written, and retrying gives the proper answer.
  if (isUniqueViolation(error)) return sendProblem(reply, problem(409, 'conflict', 'A concurrent request changed the same object; nothing was written. Retry the request.'));
  const status = (error as FastifyError).statusCode;
  if (status === 413) return sendProblem(reply, problem(413, 'payload_too_large', 'The request body is larger than 1 MiB.'));
  if (status === 415) return sendProblem(reply, problem(415, 'unsupported_media_type', 'Send JSON with Content-Type: application/json.'));
  if (status === 400 && (error as FastifyError).code?.startsWith('FST_ERR_CTP')) {
    return sendProblem(reply, problem(400, 'malformed_body', 'The request body is not valid JSON.'));
  }
  if (status !== undefined && status >= 400 && status < 500) {
    return sendProblem(reply, problem(status, 'bad_request', error.message));
  }
  request.log.error({ err: error }, 'request failed');
  return sendProblem(reply, problem(500, 'internal_error', 'daikou could not complete the request; nothing was half-written. Try again.'));
}
