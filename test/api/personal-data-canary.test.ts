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
      await call('sandbox account', 'PUT', `/v1/sandbox/accounts/${CARD}`, { key: t.operatorKey, body: { holder_name: '赵六', id_number: ID } });
      await call('sandbox account', 'GET', `/v1/sandbox/accounts/${CARD}`, { key: t.operatorKey });
    }, 60_000);
    afterAll(async () => t?.close());

    it('free text that holds a card or ID number is refused with a pointer, and the number is not stored', () => {
      for (const what of ['agreement_number', 'holder_name', 'reference', 'description', 'metadata value', 'metadata key', 'merchant name']) {
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
