import type { Kysely } from 'kysely';
import { addChecks, notNegative, oneOf, type Check } from './checks.js';

/**
 * The checks migration 009 left out (issue 10): an event's type and the status it records, the
 * one currency daikou carries, and usage counters that never go below zero (a release that
 * gives back more than was taken is a defect the database now refuses, as DESIGN-NOTES §4 asks).
 * Added as ./checks.ts does it; the lists are written out, as in 009.
 */
const CHECKS: readonly Check[] = [
  oneOf('debits', 'currency', ['CNY']),
  oneOf('debit_events', 'type', ['debit.created', 'debit.rejected', 'debit.submitted', 'debit.rerouted', 'debit.succeeded', 'debit.failed', 'debit.not_received']),
  oneOf('debit_events', 'status', ['pending', 'submitted', 'succeeded', 'failed', 'rejected']),
  notNegative('mandate_usage', 'amount'),
  notNegative('allowance_usage', 'amount'),
];

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations must not depend on today's schema type
export async function up(db: Kysely<any>): Promise<void> {
  await addChecks(db, CHECKS, '011');
}
