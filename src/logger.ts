import pino, { type Logger } from 'pino';
import { maskDigitRuns } from './http/redact.js';

/**
 * The process logger. Personal data must never reach it (SPEC §13): request URLs are masked,
 * keys and known personal fields are redacted wherever they appear.
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
      serializers: {
        req: (request: { method: string; url: string; id: string }) => ({ id: request.id, method: request.method, url: maskDigitRuns(request.url) }),
        err: (error: Error) => ({ ...pino.stdSerializers.err(error), message: maskDigitRuns(error.message), stack: maskDigitRuns(error.stack ?? '') }),
      },
    },
    options.destination,
  );
}
