import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES } from '../support/engines.js';
import { cardNumber, createMandate, createMerchant, eventually, startTestHub, type TestHub } from '../support/hub.js';
import { statementCamt053, statementCsv } from '../support/reconciliation-seed.js';

/**
 * Reconciliation through the API (SPEC §15): a debit collected through the sandbox, its channel's
 * statement uploaded as CSV and as camt.053, the counts and both totals, the exceptions, their
 * resolution with who and why, and the refusals.
 */
for (const engine of ENGINES) {
  describe(`reconciliation through the API on ${engine}`, () => {
    let t: TestHub;
    let merchant: { id: string; key: string };
    const DATE = '2024-09-30';

    beforeAll(async () => {
      t = await startTestHub(engine);
      merchant = await createMerchant(t);
      expect((await t.call('POST', '/v1/sandbox/clock', { body: { now: `${DATE}T10:00:00+08:00` } })).status).toBe(200);
    });
    afterAll(async () => t?.close());

    async function upload(channel: string, date: string, body: string, contentType = 'text/csv'): Promise<{ status: number; body: any }> {
      const response = await fetch(`${t.hub.url}/v1/reconciliations?channel=${channel}&business_date=${date}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${t.operatorKey}`, 'content-type': contentType },
        body,
      });
      return { status: response.status, body: await response.json() };
    }

    it('matches a collected debit, finds a line daikou never sent, and resolves it once, with who and why', async () => {
      const mandateId = await createMandate(t, merchant.key, cardNumber('622202', 9100), { signed_at: '2024-01-01' });
      const created = await t.call('POST', '/v1/debits', { key: merchant.key, body: { mandate_id: mandateId, amount: 12_345, currency: 'CNY', reference: 'INV-RCN-1' } });
      expect(created.status).toBe(201);
      const debit = await eventually(async () => {
        const { body } = await t.call('GET', `/v1/debits/${created.body.id}`, { key: merchant.key });
        return body.status === 'succeeded' ? body : null;
      }, 15_000, 'the debit to succeed');
      const channel: string = debit.channel;
      const attempt = debit.attempts[0];
      const entries = [
        { channel_reference: attempt.channel_reference ?? null, end_to_end_id: attempt.end_to_end_id, direction: 'debit' as const, amount: 12_345 + (debit.payer_fee ?? 0), status: 'succeeded' as const, settled_at: null },
        { channel_reference: 'SBX-UNKNOWN', end_to_end_id: 'dbt_never_sent', direction: 'debit' as const, amount: 77, status: 'succeeded' as const, settled_at: null },
      ];

      const posted = await upload(channel, DATE, statementCsv(channel, DATE, entries));
      expect(posted.status).toBe(202);
      expect(posted.body).toMatchObject({ object: 'reconciliation', status: 'completed' });
      expect(posted.body.id).toMatch(/^rcn_/);
      const run = (await t.call('GET', `/v1/reconciliations/${posted.body.id}`)).body;
      expect(run).toMatchObject({
        channel, business_date: DATE, source: 'file', format: 'csv', status: 'completed', failure: null, requested_by: 'operator:env',
        counts: { lines: 2, matched: 1, missing_in_daikou: 1, missing_in_statement: 0, amount_mismatch: 0, status_mismatch: 0, duplicate: 0 },
        totals: { statement: { debit: { count: 2, amount: entries[0]!.amount + 77 }, credit: { count: 0, amount: 0 } }, daikou: { debit: { count: 1, amount: entries[0]!.amount } }, currency: 'CNY' },
      });
      const listed = (await t.call('GET', `/v1/reconciliations?channel=${channel}&business_date=${DATE}&status=completed`)).body;
      expect(listed.data.map((one: { id: string }) => one.id)).toEqual([posted.body.id]);

      const exceptions = (await t.call('GET', `/v1/reconciliations/${posted.body.id}/exceptions?kind=missing_in_daikou&status=open`)).body;
      expect(exceptions.data).toEqual([expect.objectContaining({
        kind: 'missing_in_daikou', end_to_end_id: 'dbt_never_sent', direction: 'debit', daikou: null, difference: 77, status: 'open', resolution: null,
        statement: { line: 2, channel_reference: 'SBX-UNKNOWN', amount: 77, status: 'succeeded' },
      })]);
      const id = exceptions.data[0].id as string;
      const resolved = await t.call('POST', `/v1/reconciliation-exceptions/${id}/resolve`, { body: { action: 'adjust', reason: 'the channel says it collected this' } });
      expect(resolved.status).toBe(200);
      expect(resolved.body).toMatchObject({ status: 'resolved', resolution: { action: 'adjust', reason: 'the channel says it collected this', resolved_by: 'operator:env' } });
      expect(resolved.body.resolution.ledger_transaction_id).toMatch(/^ltx_/);
      const twice = await t.call('POST', `/v1/reconciliation-exceptions/${id}/resolve`, { body: { action: 'write_off', reason: 'again' } });
      expect([twice.status, twice.body.code]).toEqual([409, 'exception_not_open']);
      const trial = (await t.call('GET', '/v1/ledger/trial-balance')).body;
      expect(trial.total).toBe(0);

      // The same statement as camt.053: a second run that supersedes the first; the resolution carries over.
      const camt = await upload(channel, DATE, statementCamt053(channel, DATE, entries), 'application/xml');
      expect(camt.body.status).toBe('completed');
      expect((await t.call('GET', `/v1/reconciliations/${posted.body.id}`)).body.status).toBe('superseded');
      const again = (await t.call('GET', `/v1/reconciliations/${camt.body.id}/exceptions`)).body;
      expect(again.data.map((e: { status: string; kind: string }) => [e.kind, e.status])).toEqual([['missing_in_daikou', 'resolved']]);
    });

    it('reads a statement that begins with a byte-order mark, as Windows tools write them, CSV and camt.053 alike', async () => {
      const channel = (await t.call('GET', '/v1/channels')).body.data[0].id as string;
      const date = '2024-09-29';
      const entries = [{ end_to_end_id: 'dbt_bom_line', channel_reference: 'SBX-BOM', direction: 'debit' as const, amount: 5, status: 'succeeded' as const, settled_at: `${date}T10:00:00+08:00` }];
      for (const [body, type] of [[statementCsv(channel, date, entries), 'text/csv'], [statementCamt053(channel, date, entries), 'application/xml']] as const) {
        const posted = await upload(channel, date, '\uFEFF' + body, type);
        expect(posted.status).toBe(202);
        const run = (await t.call('GET', `/v1/reconciliations/${posted.body.id}`)).body;
        expect([type, run.status, run.failure ?? null]).toEqual([type, 'completed', null]);
        expect(run.totals.statement.debit).toEqual({ count: 1, amount: 5 });
      }
    });

    it('refuses what it cannot reconcile, and records a failed run for a statement that is wrong', async () => {
      const noQuery = await fetch(`${t.hub.url}/v1/reconciliations`, { method: 'POST', headers: { authorization: `Bearer ${t.operatorKey}`, 'content-type': 'text/csv' }, body: 'x' });
      expect(noQuery.status).toBe(400);
      expect(((await noQuery.json()) as { errors: { pointer: string }[] }).errors.map((e: { pointer: string }) => e.pointer)).toEqual(['/query/channel', '/query/business_date']);
      expect((await t.call('POST', '/v1/reconciliations', { body: { channel: 'no-such-channel', business_date: DATE } })).status).toBe(404);
      expect((await t.call('POST', '/v1/reconciliations', { body: { channel: 'x', business_date: '2024-02-30' } })).status).toBe(400);
      const merchantKey = await t.call('GET', '/v1/reconciliations', { key: merchant.key });
      expect(merchantKey.status).toBe(403);
      const channel = (await t.call('GET', '/v1/channels')).body.data[0].id as string;
      const wrongTotals = await upload(channel, DATE, statementCsv(channel, DATE, [], { debit: { count: 1, amount: 5 }, credit: { count: 0, amount: 0 } }));
      expect(wrongTotals.status).toBe(202);
      const failed = (await t.call('GET', `/v1/reconciliations/${wrongTotals.body.id}`)).body;
      expect(failed).toMatchObject({ status: 'failed', counts: null, totals: null, failure: { code: 'totals_mismatch' } });
      const fetched = await t.call('POST', '/v1/reconciliations', { body: { channel, business_date: DATE } });
      expect(fetched.status).toBe(202);
      expect((await t.call('GET', `/v1/reconciliations/${fetched.body.id}`)).body).toMatchObject({ source: 'channel', status: fetched.body.status });
      expect((await t.call('GET', '/v1/reconciliations/rcn_nope')).status).toBe(404);
      expect((await t.call('POST', '/v1/reconciliation-exceptions/rcn_nope:1/resolve', { body: { action: 'accept', reason: 'x' } })).status).toBe(404);
    });
  });
}
