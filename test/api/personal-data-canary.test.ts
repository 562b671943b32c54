import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { idCheckCharacter } from '../../src/core/payers/index.js';
import { ENGINES } from '../support/engines.js';
import { cardNumber, createMerchant, eventually, startTestHub, type TestHub } from '../support/hub.js';

/**
 * The canary (issue 8): known card and ID numbers are put everywhere a client can put text —
 * bodies in legal and illegal places, headers, paths, query strings, batch files and their
 * headers, free text — and then searched for in full in every log line, every response (bodies
 * and headers), every file under the data directory (the SQLite database and its WAL included)
 * and every row of the database. None may be found.
 */
const CARD = cardNumber('622202', 4_242_424);
const ID_BODY = '11010519491231002';
const ID = `${ID_BODY}${idCheckCharacter(ID_BODY)}`;
const CANARIES = [CARD, ID, ID.toLowerCase()];

function walk(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => (entry.isDirectory() ? walk(path.join(dir, entry.name)) : [path.join(dir, entry.name)]));
}

for (const engine of ENGINES) {
  describe(`the personal-data canary on ${engine}`, () => {
    let t: TestHub;
    const headers: string[] = [];
    const refusals: { what: string; status: number; codes: string[] }[] = [];

    beforeAll(async () => {
      t = await startTestHub(engine);
      const merchant = await createMerchant(t);
      const call = async (what: string, method: string, url: string, options: Parameters<TestHub['call']>[2] = {}) => {
        const response = await t.call(method, url, { key: merchant.key, ...options });
        headers.push([...response.headers].map(([name, value]) => `${name}: ${value}`).join('\n'));
        if (response.status >= 400) {
          const codes = [response.body?.code, ...(response.body?.errors ?? []).map((error: { code: string }) => error.code)].filter(Boolean);
          refusals.push({ what, status: response.status, codes });
        }
        return response;
      };

      // Legal places: the personal-data fields, encrypted at rest.
      const mandate = await call('mandate', 'POST', '/v1/mandates', {
        body: { payer: { account_number: CARD, account_kind: 'personal', medium: 'bank_card', holder_name: '赵六', id_number: ID }, agreement_number: 'AGR-CANARY', signed_at: '2026-01-01' },
        headers: { 'x-request-id': CARD },
      });
      expect(mandate.status).toBe(201);

      // Illegal places: free text, names, references, metadata keys and values.
      await call('agreement_number', 'POST', '/v1/mandates', { body: { payer: { account_number: CARD, account_kind: 'personal', medium: 'bank_card' }, agreement_number: `AGR ${CARD}`, signed_at: '2026-01-01' } });
      await call('holder_name', 'POST', '/v1/mandates', { body: { payer: { account_number: CARD, account_kind: 'personal', medium: 'bank_card', holder_name: `赵六${ID}` }, agreement_number: 'AGR-2', signed_at: '2026-01-01' } });
      await call('reference', 'POST', '/v1/debits', { body: { mandate_id: mandate.body.id, amount: 100, currency: 'CNY', reference: CARD } });
      await call('description', 'POST', '/v1/debits', { body: { mandate_id: mandate.body.id, amount: 100, currency: 'CNY', reference: 'C-1', description: `卡号 ${CARD}` } });
      await call('metadata value', 'POST', '/v1/debits', { body: { mandate_id: mandate.body.id, amount: 100, currency: 'CNY', reference: 'C-2', metadata: { note: ID } } });
      await call('metadata key', 'POST', '/v1/debits', { body: { mandate_id: mandate.body.id, amount: 100, currency: 'CNY', reference: 'C-3', metadata: { [CARD]: 'x' } } });
      await call('unknown field', 'POST', '/v1/debits', { body: { mandate_id: mandate.body.id, amount: 100, currency: 'CNY', reference: 'C-4', [ID]: 1 } });
      await call('mandate_id', 'POST', '/v1/debits', { body: { mandate_id: CARD, amount: 100, currency: 'CNY', reference: 'C-5' } });
      await call('merchant name', 'POST', '/v1/merchants', { key: t.operatorKey, body: { name: `商户${CARD}`, category: 'utility', settlement_account: { account_number: '4403010012345678901', bank_code: 'ICBC', region_code: '440300', holder_name: '商户' } } });

      // Headers, paths and query strings.
      const debit = await call('idempotency key', 'POST', '/v1/debits', { body: { mandate_id: mandate.body.id, amount: 100, currency: 'CNY', reference: 'C-OK' }, headers: { 'idempotency-key': CARD, 'x-request-id': `req-${ID}` } });
      expect(debit.status).toBe(201);
      await call('path id', 'GET', `/v1/debits/${CARD}`);
      await call('path id', 'GET', `/v1/mandates/${ID}`);
      await call('unknown route', 'GET', `/v1/nothing/${CARD}?q=${ID}`);
      await call('query', 'GET', `/v1/debits?reference=${CARD}`);
      await call('bad query', 'GET', `/v1/debits?created_gte=${CARD}`);
      await call('authorization', 'GET', '/v1/debits', { key: CARD });

      // Batch files: a header with a card for a column name, rows with the numbers in free text.
      await call('batch header', 'POST', '/v1/batches', { body: `reference,account_number,amount,${CARD}\nB-0,${CARD},100,x\n`, headers: { 'content-type': 'text/csv' } });
      const file = [
        'reference,account_number,amount,holder_name,id_number,description',
        `B-1,${CARD},100,赵六,${ID},water`,
        `B-2,${CARD},100,赵六,${ID},card ${CARD}`,
        `${CARD},${CARD},100,赵六,${ID},water`,
        `B-3,${CARD},100,赵六 ${ID},${ID},water`,
      ].join('\n');
      const batch = await call('batch', 'POST', '/v1/batches', { body: file, headers: { 'content-type': 'text/csv' } });
      expect(batch.status).toBe(202);
      await eventually(async () => (await call('batch status', 'GET', `/v1/batches/${batch.body.id}`)).body.status === 'completed', 15_000, 'the batch to complete');
      await call('report', 'GET', `/v1/batches/${batch.body.id}/report`);
      await call('report xml', 'GET', `/v1/batches/${batch.body.id}/report`, { headers: { accept: 'application/xml' } });
      await eventually(async () => (await call('debit', 'GET', `/v1/debits/${debit.body.id}`)).body.status === 'succeeded', 15_000, 'the debit to succeed');

      // Refunds, payouts and payout batches: the payee's number in its legal place, sealed; elsewhere refused.
      await call('refund reason', 'POST', `/v1/debits/${debit.body.id}/refunds`, { body: { amount: 10, reason: `卡号 ${CARD}` } });
      const refund = await call('refund', 'POST', `/v1/debits/${debit.body.id}/refunds`, { body: { amount: 10, reason: 'overcharged' }, headers: { 'idempotency-key': `refund-${ID}` } });
      expect(refund.status).toBe(201);
      await eventually(async () => ['succeeded', 'failed'].includes((await call('refund', 'GET', `/v1/payouts/${refund.body.id}`)).body.status), 15_000, 'the refund to be final');
      await call('refunds', 'GET', `/v1/debits/${debit.body.id}/refunds`);
      const payout = await call('payout', 'POST', '/v1/payouts', { body: { payee: { account_number: CARD, account_kind: 'personal', holder_name: '赵六' }, amount: 100, currency: 'CNY', reference: 'P-1' } });
      expect(payout.status).toBe(201);
      await call('payout reference', 'POST', '/v1/payouts', { body: { payee: { account_number: CARD, account_kind: 'personal', holder_name: '赵六' }, amount: 100, currency: 'CNY', reference: CARD } });
      await call('payout holder', 'POST', '/v1/payouts', { body: { payee: { account_number: CARD, account_kind: 'personal', holder_name: `赵六${ID}` }, amount: 100, currency: 'CNY', reference: 'P-2' } });
      const payouts = [
        'reference,account_number,holder_name,account_kind,amount,description',
        `PB-1,${CARD},赵六,personal,100,salary`,
        `PB-2,${CARD},赵六,personal,100,card ${CARD}`,
        `${ID},${CARD},赵六,personal,100,salary`,
      ].join('\n');
      const payoutBatch = await call('payout batch', 'POST', '/v1/batches?kind=payout', { body: payouts, headers: { 'content-type': 'text/csv' } });
      expect(payoutBatch.status).toBe(202);
      await eventually(async () => (await call('payout batch status', 'GET', `/v1/batches/${payoutBatch.body.id}`)).body.status === 'completed', 15_000, 'the payout batch to complete');
      await call('payout report', 'GET', `/v1/batches/${payoutBatch.body.id}/report`);

      // Webhook endpoints: a URL or description holding a number is refused.
      await call('webhook url', 'POST', '/v1/webhook-endpoints', { body: { url: `https://hooks.example.com/${CARD}`, event_types: ['*'] } });
      await call('webhook description', 'POST', '/v1/webhook-endpoints', { body: { url: 'https://hooks.example.com/x', event_types: ['*'], description: ID } });

      // A statement whose lines carry the numbers where ids and references go.
      const statementDate = (await call('debit', 'GET', `/v1/debits/${debit.body.id}`)).body.business_date as string;
      const statement = [
        'record,channel,business_date,channel_reference,end_to_end_id,direction,amount,status,settled_at,count',
        `entry,sandbox-clearing,${statementDate},${CARD},${ID},debit,100,succeeded,,`,
        `entry,sandbox-clearing,${statementDate},REF-2,${CARD},debit,100,succeeded,,`,
        `total,sandbox-clearing,${statementDate},,,debit,200,,,2`,
        `total,sandbox-clearing,${statementDate},,,credit,0,,,0`,
      ].join('\n');
      const reconciliation = await call('statement', 'POST', `/v1/reconciliations?channel=sandbox-clearing&business_date=${statementDate}`, { key: t.operatorKey, body: statement, headers: { 'content-type': 'text/csv' } });
      expect(reconciliation.status).toBe(202);
      await call('reconciliation', 'GET', `/v1/reconciliations/${reconciliation.body.id}`, { key: t.operatorKey });
      const exceptions = await call('exceptions', 'GET', `/v1/reconciliations/${reconciliation.body.id}/exceptions`, { key: t.operatorKey });
      // Both lines are still found (as lines daikou never sent), their numbers masked.
      expect(exceptions.body.data.filter((e: { kind: string }) => e.kind === 'missing_in_daikou')).toHaveLength(2);
      // A statement of another channel, named by a card number: refused, and the message quotes it masked.
      const misnamed = await call('statement channel', 'POST', `/v1/reconciliations?channel=sandbox-clearing&business_date=${statementDate}`, {
        key: t.operatorKey,
        body: statement.replaceAll('sandbox-clearing', CARD),
        headers: { 'content-type': 'text/csv' },
      });
      if (misnamed.status < 300) await call('reconciliation', 'GET', `/v1/reconciliations/${misnamed.body.id}`, { key: t.operatorKey });
      // Events carry mandates, debits, payouts and refunds as the API shows them: masked.
      const published = await call('events', 'GET', '/v1/events?limit=100', { key: t.operatorKey });
      expect(published.body.data.map((event: { type: string }) => event.type)).toEqual(expect.arrayContaining(['mandate.created', 'debit.succeeded', 'refund.created', 'payout.rejected', 'batch.completed', 'reconciliation.completed']));
      await call('events', 'GET', '/v1/events?limit=100');
      await call('sandbox account', 'PUT', `/v1/sandbox/accounts/${CARD}`, { key: t.operatorKey, body: { holder_name: '赵六', id_number: ID } });
      await call('sandbox account', 'GET', `/v1/sandbox/accounts/${CARD}`, { key: t.operatorKey });
    }, 60_000);
    afterAll(async () => t?.close());

    it('free text that holds a card or ID number is refused with a pointer, and the number is not stored', () => {
      for (const what of ['agreement_number', 'holder_name', 'reference', 'description', 'metadata value', 'metadata key', 'merchant name', 'refund reason', 'payout reference', 'payout holder', 'webhook url', 'webhook description']) {
        const refusal = refusals.find((entry) => entry.what === what);
        expect(refusal, what).toBeDefined();
        expect(refusal!.status, what).toBe(400);
        expect(refusal!.codes, what).toContain('personal_data_in_free_text');
      }
    });

    it('no response body or header holds a number in full', () => {
      for (const canary of CANARIES) {
        for (const body of t.bodies) expect(body).not.toContain(canary);
        for (const block of headers) expect(block).not.toContain(canary);
      }
    });

    it('no log line holds one', () => {
      expect(t.logs.lines.length).toBeGreaterThan(10);
      for (const canary of CANARIES) for (const line of t.logs.lines) expect(line).not.toContain(canary);
    });

    it('no file under the data directory holds one: databases, WAL, uploads, keys', () => {
      const files = walk(t.database.dataDir);
      expect(files.length).toBeGreaterThan(1);
      for (const file of files) {
        const bytes = fs.readFileSync(file).toString('latin1');
        for (const canary of CANARIES) expect(bytes.includes(canary), `${path.relative(t.database.dataDir, file)} holds ${canary.slice(0, 6)}…`).toBe(false);
      }
    });

    it('no database row holds one', async () => {
      if (engine !== 'postgres') return; // SQLite's rows are its files, read above
      const client = new pg.Client({ connectionString: t.database.databaseUrl! });
      await client.connect();
      try {
        const tables = await client.query<{ table_name: string }>("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'");
        for (const { table_name } of tables.rows) {
          const { rows } = await client.query<{ row: string }>(`SELECT t::text AS row FROM "${table_name}" t`);
          for (const { row } of rows) for (const canary of CANARIES) expect(row.includes(canary), `${table_name} holds ${canary.slice(0, 6)}…`).toBe(false);
        }
      } finally {
        await client.end();
      }
    });
  });
}
