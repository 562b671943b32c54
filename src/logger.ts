import pino, { type Logger } from 'pino';
import { maskDigitRuns, maskPersonalDataInText } from './core/payers/index.js';

/**
 * The process logger. Personal data must never reach it (SPEC §13): request URLs are masked,
 * keys and known personal fields are redacted wherever they appear, and — whatever shape a record
 * has (keys, nested values, an error's own properties such as csv-parse's `field`, messages, child
 * bindings) — every finished line is masked before it is written (`maskLogLine`).
 */
export function createLogger(options: { level?: string; destination?: pino.DestinationStream } = {}): Logger {
  return pino(
    {
      level: options.level ?? process.env.DAIKOU_LOG_LEVEL ?? 'info',
      base: { service: 'daikou' },
      redact: {
        paths: [
          'req.headers.authorization',
          '*.account_number',
          '*.id_number',
          '*.phone',
          '*.*.account_number',
          '*.*.id_number',
          '*.*.phone',
          'api_key',
          '*.api_key',
        ],
        censor: '[redacted]',
      },
      hooks: { streamWrite: maskLogLine },
      serializers: {
        req: (request: { method: string; url: string; id: string }) => ({ id: request.id, method: request.method, url: maskDigitRuns(request.url) }),
        err: (error: Error) => ({ ...pino.stdSerializers.err(error), message: maskDigitRuns(error.message), stack: maskDigitRuns(error.stack ?? '') }),
      },
    },
    options.destination,
  );
}

/** A JSON string token, or a JSON number. */
const JSON_TOKEN = /"(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/g;
/** Integer digits from which a number could be a card or an account number. */
const NUMBER_DIGITS_MASKED_MIN = 15;

/**
 * Masks every run of 15 or more digits in a serialized log line and keeps it valid JSON: runs
 * inside strings are masked in place; a number whose integer part is that long becomes a string
 * holding its mask. Fractions are left alone (a latency's 15 decimals are nobody's card).
 */
export function maskLogLine(line: string): string {
  return line.replace(JSON_TOKEN, (token) => {
    if (token.startsWith('"')) return maskPersonalDataInText(token);
    const integerDigits = /^-?(\d+)/.exec(token)![1]!.length;
    return integerDigits >= NUMBER_DIGITS_MASKED_MIN ? JSON.stringify(maskPersonalDataInText(token)) : token;
  });
}
