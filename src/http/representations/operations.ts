import { z } from 'zod';
import { Timestamp } from './common.js';

export const Health = z
  .strictObject({
    status: z.enum(['ok', 'degraded', 'unavailable']),
    database: z.enum(['sqlite', 'postgres']),
    workers: z.record(
      z.string(),
      z.strictObject({ status: z.enum(['ok', 'failing']), consecutive_failures: z.number().int(), last_error_at: Timestamp.nullable() }),
    ),
  })
  .meta({ id: 'Health' });
