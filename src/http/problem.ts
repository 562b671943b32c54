import type { Socket } from 'node:net';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { AppError, type FieldError } from '../app/errors.js';
import { escapePointerPart } from '../core/index.js';
import { maskPersonalDataInText } from '../core/payers/index.js';

/**
 * The one place where failures become HTTP answers: RFC 9457 problem+json with a JSON pointer
 * for each bad field and a `code` (the kind at the end of `type`), so that a client can switch on
 * it. Unexpected errors are logged and answered without their details. Everything a problem
 * echoes (ids, paths, field names) is masked here, whoever built it (SPEC §13).
 */
const TYPE_BASE = 'https://daikou.dev/problems/';

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  errors?: FieldError[];
}

const TITLES: Record<number, string> = {
  400: 'Invalid request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not found',
  405: 'Method not allowed',
  408: 'Request timeout',
  409: 'Conflict',
  413: 'Payload too large',
  414: 'URI too long',
  415: 'Unsupported media type',
  431: 'Request header fields too large',
  500: 'Internal error',
  502: 'Bad gateway',
  503: 'Service unavailable',
};

export function problem(status: number, kind: string, detail: string, errors?: FieldError[]): ProblemBody {
  return { type: `${TYPE_BASE}${kind}`, title: TITLES[status] ?? 'Error', status, detail, code: kind, ...(errors && errors.length > 0 ? { errors } : {}) };
}

/** The problem with every echoed value masked: the guarantee that no error carries personal data. */
export function maskedProblem(body: ProblemBody): ProblemBody {
  return {
    ...body,
    detail: maskPersonalDataInText(body.detail),
    ...(body.errors ? { errors: body.errors.map((error) => ({ ...error, pointer: maskPersonalDataInText(error.pointer), detail: maskPersonalDataInText(error.detail) })) } : {}),
  };
}

export function sendProblem(reply: FastifyReply, body: ProblemBody): FastifyReply {
  return reply.code(body.status).type('application/problem+json').send(maskedProblem(body));
}

export function errorHandler(error: FastifyError | AppError | Error, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  if (error instanceof AppError) return sendProblem(reply, problem(error.status, error.kind, error.message, error.errors));
  if (hasZodFastifySchemaValidationErrors(error)) {
    // Pointers name the part of the request as the routes' own checks do: /query/…, /params/…, /headers/….
    const context = (error as FastifyError).validationContext ?? 'body';
    const where = context === 'querystring' ? 'query' : context;
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
  const fastifyError = error as FastifyError;
  const status = fastifyError.statusCode;
  if (status === 413) return sendProblem(reply, problem(413, 'payload_too_large', 'The request body is larger than 1 MiB.'));
  if (status === 415) return sendProblem(reply, problem(415, 'unsupported_media_type', 'Send JSON with Content-Type: application/json.'));
  if (status === 400 && fastifyError.code?.startsWith('FST_ERR_CTP')) {
    return sendProblem(reply, problem(400, 'malformed_body', 'The request body is not valid JSON.'));
  }
  if (status !== undefined && status >= 400 && status < 500) {
    return sendProblem(reply, problem(status, 'bad_request', error.message));
  }
  request.log.error({ err: error }, 'request failed');
  return sendProblem(reply, problem(500, 'internal_error', 'daikou could not complete the request; nothing was half-written. Try again.'));
}

/** Errors Fastify meets before a route runs: a path it cannot decode, a path parameter too long. */
export function frameworkErrorHandler(error: FastifyError, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  reply.header('x-request-id', request.id);
  if (error.code === 'FST_ERR_BAD_URL') return sendProblem(reply, problem(400, 'bad_url', 'The path is not a valid URL: check its percent-encoding.'));
  if (error.code === 'FST_ERR_MAX_PARAM_LENGTH') return sendProblem(reply, problem(414, 'uri_too_long', 'A path parameter is longer than 100 characters.'));
  return sendProblem(reply, problem(400, 'bad_request', 'The request could not be routed.'));
}

const CLIENT_ERRORS: Record<string, { status: number; kind: string; detail: string }> = {
  ERR_HTTP_REQUEST_TIMEOUT: { status: 408, kind: 'request_timeout', detail: 'The request was not received in time.' },
  HPE_HEADER_OVERFLOW: { status: 431, kind: 'request_header_fields_too_large', detail: 'The request headers are too large.' },
  HPE_URI_TOO_LONG: { status: 414, kind: 'uri_too_long', detail: 'The request line is too long.' },
};

/**
 * Node's HTTP parser refused the request (bad syntax, headers too large, a slow client): there is
 * no request object, so the problem is written on the socket, which is then closed.
 */
export function clientErrorHandler(error: NodeJS.ErrnoException, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const known = CLIENT_ERRORS[error.code ?? ''] ?? { status: 400, kind: 'bad_request', detail: 'The request is not valid HTTP/1.1.' };
  // As Node does: once a response has begun on this socket, another one would corrupt it.
  const inFlight = (socket as Socket & { _httpMessage?: { _headerSent?: boolean } })._httpMessage;
  if (socket.writable && inFlight?._headerSent !== true) {
    const body = JSON.stringify(problem(known.status, known.kind, known.detail));
    socket.write(
      `HTTP/1.1 ${known.status} ${TITLES[known.status] ?? 'Error'}\r\nContent-Type: application/problem+json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy();
}
