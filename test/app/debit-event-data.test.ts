import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { debitEventRow, eventRow } from '../../src/app/events.js';
import type { DebitEventRow, DebitRow } from '../../src/app/ports.js';
import { OBJECT_PRESENTERS } from '../../src/http/presenters.js';

/**
 * A debit's public event puts the debit's routing text in place instead of parsing and writing it
 * again (debitEventRow): the event must be the one the general path writes, byte for byte, whatever
 * the free text of the debit (its reference, description and metadata may spell `"routing":null`).
 */
describe("a debit's public event", () => {
  const text = fc.oneof(fc.string(), fc.constantFrom('"routing":null', ',"routing":null,', '\\"routing\\":null', 'routing', '{"routing":null}'));
  const instant = fc.date({ min: new Date('2020-01-01T00:00:00Z'), max: new Date('2030-01-01T00:00:00Z'), noInvalidDate: true }).map((d) => d.toISOString());
  const debit: fc.Arbitrary<DebitRow> = fc.record({
    id: fc.constant('dbt_01a236f6748873cc893f2eaa480af5e8'),
    merchant_id: fc.constant('mer_01a236f5d33e731191143fc768169f6a'),
    mandate_id: fc.option(fc.constant('mdt_01a236f5d34276f5b6ee4342b9a35b4a')),
    reference: text,
    amount: fc.integer({ min: 1, max: 10_000_000 }),
    currency: fc.constant('CNY'),
    description: fc.option(text),
    metadata: fc.option(fc.dictionary(text, text, { maxKeys: 4 }).map((m) => JSON.stringify(m))),
    status: fc.constantFrom('pending', 'rejected', 'submitted', 'succeeded', 'failed'),
    business_date: fc.constant('2026-12-02'),
    channel_id: fc.option(fc.constant('sandbox-clearing')),
    channel_cost: fc.nat(100),
    merchant_fee: fc.nat(100),
    payer_fee: fc.nat(100),
    merchant_fee_plan: fc.option(text),
    payer_fee_plan: fc.option(text),
    merchant_fee_subject: fc.option(text),
    payer_fee_subject: fc.option(text),
    batch_id: fc.option(fc.constant('bat_01a236f66c9b76ef8b193bf9f9811571')),
    settlement_id: fc.constant(null),
    // Written by JSON.stringify when the debit is decided; any JSON value, `null` and strings that spell the member included.
    routing: fc.option(fc.oneof(fc.jsonValue(), text).map((value) => JSON.stringify(value))),
    failure_code: fc.option(fc.constantFrom('mandate_not_found', 'no_eligible_channel')),
    failure_message: fc.option(text),
    failure_retryable: fc.option(fc.constantFrom(0, 1)),
    next_action_at: fc.option(instant),
    attempt_count: fc.nat(5),
    created_at: instant,
    updated_at: instant,
    represents: fc.option(fc.constant('dbt_01a236f6748873cc893f2eaa480af5e9')),
    presentment: fc.nat(2),
    refunded_amount: fc.nat(100),
    refunded_from_pending: fc.nat(100),
  }) as fc.Arbitrary<DebitRow>;
  const event = (row: DebitRow, type: DebitEventRow['type'], data: string | null): DebitEventRow => ({ id: 'evt_01a236f6748873cc893f2eaa480af5e8', debit_id: row.id, type, status: row.status, at: row.updated_at, data });

  it('is what presenting the debit and writing it as JSON gives, byte for byte, for any debit', () => {
    const eventOf = fc.tuple(fc.constantFrom<DebitEventRow['type']>('debit.created', 'debit.rejected', 'debit.succeeded'), fc.option(fc.oneof(fc.constant('{"mandate_id":"mdt_x"}'), fc.constant('{}'))));
    fc.assert(
      fc.property(debit, eventOf, (row, [type, data]) => {
        const change = event(row, type, data);
        const general = eventRow(change.id, type as 'debit.created', row.merchant_id, OBJECT_PRESENTERS.debit(row, type === 'debit.rejected' && data !== null ? (JSON.parse(data) as { mandate_id?: string }).mandate_id ?? null : null), change.at);
        expect(debitEventRow(OBJECT_PRESENTERS, change, row)).toEqual(general);
      }),
      { numRuns: 2000 },
    );
  });
});
