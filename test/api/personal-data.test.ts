import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { idCheckCharacter } from '../../src/core/payers/index.js';
import { ENGINES } from '../support/engines.js';
import { cardNumber, createMerchant, eventually, startTestHub, type TestHub } from '../support/hub.js';

/**
 * SPEC §13: no full account or ID number in any response, log line, error message, nor in
 * plain text in the database. The scan looks for every full number the test sent.
 */
const ID_BODY = '44030119900307123';
const ID_NUMBER = `${ID_BODY}${idCheckCharacter(ID_BODY)}`;
const CARDS = [cardNumber('622848', 7_000_001), cardNumber('621700', 7_000_002), cardNumber('622588', 7_000_003)];
const SETTLEMENT = '44030100998877665544';
const PHONE = '13912345678';
const SECRETS = [...CARDS, ID_NUMBER, SETTLEMENT, PHONE];

for (const engine of ENGINES) {
  describe(`personal data on ${engine}`, () => {
    let t: TestHub;
    beforeAll(async () => {
      t = await startTestHub(engine);
      const merchant = await createMerchant(t, {
        name: '燃气公司',
        category: 'utility',
        settlement_account: { account_number: SETTLEMENT, bank_code: 'CCB', region_code: '440300', holder_name: '燃气公司' },
      });
      for (const [index, card] of CARDS.entries()) {
        const mandate = await t.call('POST', '/v1/mandates', {
          key: merchant.key,
          body: {
            payer: { account_number: card, account_kind: 'personal', medium: 'bank_card', holder_name: '王五', id_number: ID_NUMBER, phone: PHONE },
            agreement_number: `AGR-PD-${index}`,
            signed_at: '2026-02-01',
          },
        });
        expect(mandate.status).toBe(201);
        expect(mandate.body.payer.account_number_masked).toBe(`${card.slice(0, 6)}${'*'.repeat(card.length - 10)}${card.slice(-4)}`);
        expect(mandate.body.payer.id_number_masked).toBe(`${ID_NUMBER[0]}${'*'.repeat(16)}${ID_NUMBER[17]}`);
        // Errors that concern these numbers must not echo them either.
        const refused = await t.call('POST', '/v1/mandates', { key: merchant.key, body: { payer: { account_number: card.slice(0, -1), account_kind: 'personal', medium: 'bank_card', id_number: `${ID_NUMBER.slice(0, 17)}0` }, agreement_number: 'X', signed_at: '2026-02-01' } });
        expect(refused.status).toBe(400);
        if (index === 0) await t.call('PUT', `/v1/sandbox/accounts/${card}`, { body: { status: 'frozen', id_number: ID_NUMBER } });
        const debit = await t.call('POST', '/v1/debits', {
          key: merchant.key,
          body: { payer: { account_number: card, id_number: ID_NUMBER, phone: PHONE }, amount: 1_000 + index, currency: 'CNY', reference: `PD-${index}` },
        });
        expect(debit.status).toBe(201);
        await eventually(async () => {
          const { body } = await t.call('GET', `/v1/debits/${debit.body.id}`, { key: merchant.key });
          return ['succeeded', 'failed'].includes(body.status);
        });
        await t.call('GET', `/v1/sandbox/accounts/${card}`);
        await t.call('GET', `/v1/mandates?limit=10`, { key: merchant.key });
      }
      // A mismatch and an unknown mandate produce refusals that concern the numbers.
      await t.call('POST', '/v1/debits', { key: merchant.key, body: { payer: { account_number: CARDS[0], id_number: '11010519491231002X' }, amount: 5, currency: 'CNY', reference: 'PD-MISMATCH' } });
      await t.call('GET', '/v1/merchants');
      await t.call('GET', '/metrics');
    });
    afterAll(async () => t?.close());

    it('the scan has material: responses and log lines were captured', () => {
      expect(t.bodies.length).toBeGreaterThan(20);
      expect(t.logs.lines.length).toBeGreaterThan(10);
      expect(t.logs.lines.some((line) => line.includes('/v1/sandbox/accounts/'))).toBe(true);
    });

    it('no response carries a full account, ID or phone number', () => {
      for (const secret of SECRETS) for (const body of t.bodies) expect(body).not.toContain(secret);
    });

    it('no log line carries one', () => {
      for (const secret of SECRETS) for (const line of t.logs.lines) expect(line).not.toContain(secret);
    });

    it('the database holds none in plain text', async () => {
      let dump: string;
      if (engine === 'sqlite') {
        dump = fs
          .readdirSync(t.database.dataDir)
          .filter((file) => file.includes('.sqlite'))
          .map((file) => fs.readFileSync(path.join(t.database.dataDir, file)).toString('latin1'))
          .join('\n');
        expect(dump).toContain(CARDS[0]!.slice(-4));
      } else {
        const client = new pg.Client({ connectionString: t.database.databaseUrl! });
        await client.connect();
        const tables = await client.query<{ table_name: string }>("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'");
        const parts: string[] = [];
        for (const { table_name } of tables.rows) {
          const rows = await client.query(`SELECT * FROM "${table_name}"`);
          parts.push(JSON.stringify(rows.rows));
        }
        await client.end();
        dump = parts.join('\n');
        // The sandbox keeps its own SQLite file in the data directory.
        for (const file of fs.readdirSync(t.database.dataDir).filter((f) => f.includes('.sqlite'))) {
          dump += fs.readFileSync(path.join(t.database.dataDir, file)).toString('latin1');
        }
        // The masked form is there, so the search below reads the real rows.
        expect(dump).toContain(`${CARDS[0]!.slice(0, 6)}*`);
      }
      for (const secret of SECRETS) expect(dump).not.toContain(secret);
    });
  });
}
