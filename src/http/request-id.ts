import crypto from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { maskPersonalDataInText } from '../core/payers/index.js';

/** A client's request id is kept only in this shape: nothing that could break a log line or a header. */
const SAFE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,64}$/;

/**
 * The id of a request, logged with each of its lines and echoed in `X-Request-Id`. A client's own
 * id is kept when it is safe, masked like any other text (SPEC §13: it may hold a card number);
 * otherwise the request gets one of ours.
 */
export function requestIdOf(request: IncomingMessage): string {
  const given = request.headers['x-request-id'];
  if (typeof given === 'string' && SAFE_REQUEST_ID.test(given)) return maskPersonalDataInText(given);
  return crypto.randomUUID();
}
