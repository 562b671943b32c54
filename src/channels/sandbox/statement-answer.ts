import { Readable } from 'node:stream';
import { businessDate, isCalendarDate, startOfBusinessDate } from '../../core/kernel/index.js';
import type { SandboxContext } from './sandbox-context.js';
import { type SandboxStore, channelReferenceOf } from './sandbox-store.js';
import { DAY_MS, DISCREPANCIES, type Discrepancy, type StatementFault, type StatementFormat, statementChunks } from './statements.js';
import { CHANNEL_ID_PATTERN } from './wire.js';

export type StatementParams = { channel: string; date: string };

export const STATEMENT_CONTENT_TYPES = { csv: 'text/csv; charset=utf-8', camt053: 'application/xml; charset=utf-8' } as const satisfies Record<StatementFormat, string>;

/** Why a statement is not served; the control and the channel endpoints word it each their own way. */
export type StatementRefusal =
  | { kind: 'refused'; status: 400; code: 'invalid_channel' | 'invalid_date'; detail: string }
  | { kind: 'refused'; status: 409; code: 'statement_not_ready'; detail: string };

export type StatementAnswer = StatementRefusal | { kind: 'statement'; contentType: string; body: Readable };

/**
 * The statement of (channel, date) as a stream, or why not (docs/statements.md): a date after
 * the sandbox clock's today is not ready. The sandbox takes any channel id, so a channel it has
 * received nothing on has an empty statement (totals 0), as a quiet channel's day is — not an
 * error that would make scheduled reconciliation take a quiet channel for an unreachable one.
 * `Accept: application/xml` asks for camt.053, anything else gets CSV.
 */
export function statementAnswer(ctx: SandboxContext, params: StatementParams, accept: string | undefined): StatementAnswer {
  const { store, clock, settleDelayMs } = ctx;
  const { channel, date } = params;
  if (!CHANNEL_ID_PATTERN.test(channel)) return { kind: 'refused', status: 400, code: 'invalid_channel', detail: 'must be a channel id' };
  if (!isCalendarDate(date)) return { kind: 'refused', status: 400, code: 'invalid_date', detail: 'must be a date, YYYY-MM-DD' };
  const now = clock.now();
  if (date > businessDate(now)) {
    return { kind: 'refused', status: 409, code: 'statement_not_ready', detail: `the statement of ${date} is not ready: the channel's business date is ${businessDate(now)}` };
  }
  const format: StatementFormat = wantsXml(accept) ? 'camt053' : 'csv';
  const endOfDayMs = startOfBusinessDate(date).getTime() + DAY_MS - 1;
  const request = {
    channel,
    date,
    settleDelayMs,
    createdAtMs: Math.min(now.getTime(), endOfDayMs),
    faults: loadStatementFaults(store).filter((fault) => fault.channel === channel),
    referenceOf: channelReferenceOf,
  };
  // Readable.from pulls one chunk at a time: each page is read from the store when the
  // response can take more, never the whole day at once.
  return { kind: 'statement', contentType: STATEMENT_CONTENT_TYPES[format], body: Readable.from(statementChunks(store, request, format), { objectMode: false }) };
}

function wantsXml(accept: string | undefined): boolean {
  return accept !== undefined && /\b(application|text)\/xml\b/i.test(accept);
}

export function loadStatementFaults(store: SandboxStore): StatementFault[] {
  return store.loadStatementFaults().flatMap((row) =>
    isDiscrepancy(row.discrepancy) ? [{ channel: row.channel, discrepancy: row.discrepancy, rate: row.rate, seed: row.seed }] : [],
  );
}

function isDiscrepancy(text: string): text is Discrepancy {
  return (DISCREPANCIES as readonly string[]).includes(text);
}
