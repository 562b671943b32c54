import type { ChildProcess } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { accounts, businessDate, ledgerTransaction } from '../../src/core/index.js';
import { databaseConfig } from '../../src/main.js';
import { openStore } from '../../src/storage/kysely-store.js';
import { ENGINES, freshDatabase, type TestDatabase } from '../support/engines.js';
import { cardNumber, eventually } from '../support/hub.js';
import { call, launch, OPERATOR_KEY, SANDBOX_TOKEN, sandboxReceipts, seedMerchantWithMandates } from '../support/processes.js';

/**
 * Issue 2's crash test: the hub is killed with SIGKILL while debits are in flight, then
 * restarted. Every debit must end in exactly one final state, the sandbox (a separate process,
 * like a real channel) must have received none twice, and the trial balance must be zero.
 */
for (const engine of ENGINES) {
  describe(`SIGKILL with debits in flight, on ${engine}`, () => {
    const running: ChildProcess[] = [];
    let database: TestDatabase;
    afterAll(async () => {
      for (const child of running) child.kill('SIGKILL');
      await database?.drop();
    });

    it('every debit ends once, none is received twice, the ledger balances', async () => {
      database = await freshDatabase(engine);
      const sandbox = await launch(['sandbox', '--port', '0', '--data', `${database.dataDir}/sandbox`], { DAIKOU_SANDBOX_TOKEN: SANDBOX_TOKEN }, /running at (http:\/\/\S+)/);
      running.push(sandbox.child);
      const hubEnv = {
        DAIKOU_OPERATOR_KEY: OPERATOR_KEY,
        DAIKOU_SANDBOX_URL: sandbox.url,
        DAIKOU_SANDBOX_TOKEN: SANDBOX_TOKEN,
        DAIKOU_WORKER_LEASE_MS: '1000',
        ...(database.databaseUrl === null ? {} : { DAIKOU_DATABASE_URL: database.databaseUrl }),
      };
      const startHub = async () => {
        const hub = await launch(['start', '--port', '0', '--data', `${database.dataDir}/hub`], hubEnv, /daikou is running at (http:\/\/\S+)/);
        running.push(hub.child);
        return hub;
      };
      let hub = await startHub();

      const { merchantKey, cards, mandates } = await seedMerchantWithMandates(hub.url, 5_000, 20);
      // Slow the channel so that debits are on the wire when the hub dies.
      await call(hub.url, 'POST', '/v1/sandbox/faults', { channel: 'sandbox-clearing', mode: 'delay_ms', delay_ms: 250 });

      const requests = Array.from({ length: 60 }, (_, i) => ({
        key: `crash-${i}`,
        body: { mandate_id: mandates[i % mandates.length], amount: 1_000 + i, currency: 'CNY', reference: `CRASH-${i}` },
      }));
      const inFlight = requests.map((request) => call(hub.url, 'POST', '/v1/debits', request.body, merchantKey, { 'idempotency-key': request.key }).catch(() => null));
      await eventually(async () => {
        const submitted = await call(hub.url, 'GET', '/v1/debits?status=submitted&limit=100');
        return submitted.body.data.length >= 5;
      }, 20_000, 'debits on the wire');
      hub.child.kill('SIGKILL');
      await Promise.all(inFlight);

      hub = await startHub();
      // Clients retry what they did not hear back about, under the same idempotency keys.
      for (const request of requests) {
        const response = await eventually(async () => {
          const r = await call(hub.url, 'POST', '/v1/debits', request.body, merchantKey, { 'idempotency-key': request.key });
          return r.status === 409 && r.body.type.endsWith('request_in_progress') ? null : r;
        }, 20_000, `retry of ${request.key}`);
        expect([201]).toContain(response.status);
      }
      await call(hub.url, 'DELETE', '/v1/sandbox/faults');

      const all = await eventually(async () => {
        const list = await call(hub.url, 'GET', '/v1/debits?limit=100');
        return list.body.data.every((d: { status: string }) => d.status === 'succeeded' || d.status === 'failed') ? list.body.data : null;
      }, 60_000, 'every debit to end');
      expect(all).toHaveLength(60);
      expect(new Set(all.map((d: { reference: string }) => d.reference)).size).toBe(60);

      const received = await sandboxReceipts(hub.url, cards);
      for (const debit of all) {
        const outcomes = received.get(debit.id);
        expect(outcomes, `${debit.id} received once`).toHaveLength(1);
        expect(outcomes![0]).toBe(debit.status === 'succeeded' ? 'succeeded' : debit.failure.code);
      }
      expect(all.some((d: { status: string }) => d.status === 'failed')).toBe(true);

      const trial = await call(hub.url, 'GET', '/v1/ledger/trial-balance');
      expect(trial.body.total).toBe(0);
      expect(trial.body.balanced).toBe(true);
      const succeededFen = all.filter((d: { status: string }) => d.status === 'succeeded').reduce((sum: number, d: { amount: number }) => sum + d.amount, 0);
      expect(trial.body.accounts.find((a: { account: string }) => a.account === 'channel:sandbox-clearing:clearing').balance).toBe(succeededFen);
    }, 180_000);

    it('a batch killed mid-way resumes: no row lost or processed twice', async () => {
      const batchDb = await freshDatabase(engine);
      const env = {
        DAIKOU_OPERATOR_KEY: OPERATOR_KEY,
        DAIKOU_WORKER_LEASE_MS: '1000',
        ...(batchDb.databaseUrl === null ? {} : { DAIKOU_DATABASE_URL: batchDb.databaseUrl }),
      };
      const start = async () => {
        const hub = await launch(['start', '--port', '0', '--data', batchDb.dataDir], env, /daikou is running at (http:\/\/\S+)/);
        running.push(hub.child);
        return hub;
      };
      try {
        let hub = await start();
        const merchant = await call(hub.url, 'POST', '/v1/merchants', {
          name: '燃气公司',
          category: 'utility',
          settlement_account: { account_number: '440301000111222444', bank_code: 'CCB', region_code: '440300', holder_name: '燃气公司' },
        });
        const key: string = merchant.body.api_key;
        const cards = Array.from({ length: 50 }, (_, i) => cardNumber('621700', 70_000 + i));
        for (const [i, card] of cards.entries()) {
          await call(hub.url, 'POST', '/v1/mandates', { payer: { account_number: card, account_kind: 'personal', medium: 'bank_card' }, agreement_number: `G-${i}`, signed_at: '2026-01-01' }, key);
        }
        const rows = 6_000;
        const lines = ['reference,account_number,amount'];
        for (let i = 1; i <= rows; i += 1) lines.push(`GAS-${i},${cards[i % cards.length]},${100 + (i % 7 === 0 ? -200 : i)}`);
        const upload = await fetch(`${hub.url}/v1/batches`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'text/csv' }, body: `${lines.join('\n')}\n` });
        const batchId = ((await upload.json()) as { id: string }).id;
        await eventually(async () => {
          const { body } = await call(hub.url, 'GET', `/v1/batches/${batchId}`, undefined, key);
          return body.counts.rows > 0 && body.status === 'processing';
        }, 30_000, 'the batch to be under way');
        hub.child.kill('SIGKILL');
        await new Promise((resolve) => hub.child.once('exit', resolve));

        hub = await start();
        const done = await eventually(async () => {
          const { body } = await call(hub.url, 'GET', `/v1/batches/${batchId}`, undefined, key);
          return body.status === 'completed' && body.counts.succeeded + body.counts.failed === body.counts.accepted ? body : null;
        }, 120_000, 'the batch to complete after the restart');
        // Every 7th row has a negative amount and is refused at validation.
        const refused = Math.floor(rows / 7);
        expect(done.counts).toMatchObject({ rows, accepted: rows - refused, rejected: refused });
        const report = await (await fetch(`${hub.url}/v1/batches/${batchId}/report`, { headers: { authorization: `Bearer ${key}` } })).text();
        const reportRows = report.trim().split('\n').slice(1).map((line) => Number(line.split(',')[0]));
        expect(reportRows).toEqual(Array.from({ length: rows }, (_, i) => i + 1));
        const debits = new Set<string>();
        let after: string | undefined;
        for (;;) {
          const page = await call(hub.url, 'GET', `/v1/debits?limit=100${after ? `&starting_after=${after}` : ''}`, undefined, key);
          for (const debit of page.body.data) {
            expect(debits.has(debit.reference)).toBe(false);
            debits.add(debit.reference);
          }
          if (!page.body.has_more) break;
          after = page.body.data.at(-1).id;
        }
        expect(debits.size).toBe(rows - refused);
        const trial = await call(hub.url, 'GET', '/v1/ledger/trial-balance');
        expect(trial.body).toMatchObject({ total: 0, balanced: true });
      } finally {
        await batchDb.drop();
      }
    }, 240_000);

    it('a payout batch killed with payouts on the wire: none lost, none paid twice, the ledger balances', async () => {
      const payoutDb = await freshDatabase(engine);
      try {
        const sandbox = await launch(['sandbox', '--port', '0', '--data', `${payoutDb.dataDir}/sandbox`], { DAIKOU_SANDBOX_TOKEN: SANDBOX_TOKEN }, /running at (http:\/\/\S+)/);
        running.push(sandbox.child);
        const env = {
          DAIKOU_OPERATOR_KEY: OPERATOR_KEY,
          DAIKOU_SANDBOX_URL: sandbox.url,
          DAIKOU_SANDBOX_TOKEN: SANDBOX_TOKEN,
          DAIKOU_WORKER_LEASE_MS: '1000',
          ...(payoutDb.databaseUrl === null ? {} : { DAIKOU_DATABASE_URL: payoutDb.databaseUrl }),
        };
        const start = async () => {
          const hub = await launch(['start', '--port', '0', '--data', `${payoutDb.dataDir}/hub`], env, /daikou is running at (http:\/\/\S+)/);
          running.push(hub.child);
          return hub;
        };
        let hub = await start();
        const merchant = await call(hub.url, 'POST', '/v1/merchants', {
          name: '保险公司',
          category: 'insurance',
          settlement_account: { account_number: '440301000111222555', bank_code: 'ICBC', region_code: '440300', holder_name: '保险公司' },
        });
        const key: string = merchant.body.api_key;
        const rows = 200;
        const fits = 190;
        const amountOf = (row: number) => 1_000 + row;
        // The merchant's available covers exactly the first 190 rows and their fees (100 fen each):
        // the last 10 are rejected insufficient_balance. Posted into the hub's own database, as
        // settlement would (test-only funding, a balanced transaction).
        const funded = Array.from({ length: fits }, (_, i) => amountOf(i + 1) + 100).reduce((sum, fen) => sum + fen, 0);
        const { store } = openStore(databaseConfig(`${payoutDb.dataDir}/hub`, payoutDb.databaseUrl));
        try {
          const now = new Date();
          await store.postLedgerTransactions([
            {
              id: `ltx_crash_funding_${merchant.body.id}`,
              transaction: ledgerTransaction('test_funding', 'test', merchant.body.id, [
                { account: accounts.channelClearing('sandbox-clearing'), amountFen: funded },
                { account: accounts.merchantAvailable(merchant.body.id), amountFen: -funded },
              ]),
              at: now.toISOString(),
              businessDate: businessDate(now),
            },
          ]);
        } finally {
          await store.close();
        }
        const payees = Array.from({ length: 10 }, (_, i) => cardNumber('622202', 90_000 + i));
        // Slow the channel so that payouts are on the wire when the hub dies.
        await call(hub.url, 'POST', '/v1/sandbox/faults', { channel: 'sandbox-clearing', mode: 'delay_ms', delay_ms: 250 });
        const lines = ['reference,account_number,holder_name,account_kind,amount'];
        for (let row = 1; row <= rows; row += 1) lines.push(`CLAIM-${row},${payees[row % payees.length]},受益人,personal,${amountOf(row)}`);
        const upload = await fetch(`${hub.url}/v1/batches?kind=payout`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'text/csv' }, body: `${lines.join('\n')}\n` });
        expect(upload.status).toBe(202);
        const batchId = ((await upload.json()) as { id: string }).id;
        await eventually(async () => (await call(hub.url, 'GET', '/v1/payouts?status=submitted&limit=100', undefined, key)).body.data.length >= 5, 30_000, 'payouts on the wire');
        hub.child.kill('SIGKILL');
        await new Promise((resolve) => hub.child.once('exit', resolve));

        hub = await start();
        await call(hub.url, 'DELETE', '/v1/sandbox/faults');
        const done = await eventually(async () => {
          const { body } = await call(hub.url, 'GET', `/v1/batches/${batchId}`, undefined, key);
          return body.status === 'completed' && body.counts.succeeded + body.counts.failed === body.counts.accepted ? body : null;
        }, 120_000, 'every payout of the batch to end');
        expect(done.counts).toEqual({ rows, accepted: fits, rejected: rows - fits, succeeded: fits, failed: 0 });

        const payouts: { id: string; reference: string; status: string; amount: number }[] = [];
        let after: string | undefined;
        for (;;) {
          const page = await call(hub.url, 'GET', `/v1/payouts?limit=100${after ? `&starting_after=${after}` : ''}`, undefined, key);
          payouts.push(...page.body.data);
          if (!page.body.has_more) break;
          after = page.body.data.at(-1).id;
        }
        expect(payouts).toHaveLength(rows);
        expect(new Set(payouts.map((p) => p.reference)).size).toBe(rows);
        const received = new Map<string, { outcome: string; direction: string }[]>();
        for (const card of payees) {
          const account = await call(hub.url, 'GET', `/v1/sandbox/accounts/${card}`);
          expect(account.body.received_has_more).toBe(false);
          for (const entry of account.body.received) received.set(entry.end_to_end_id, [...(received.get(entry.end_to_end_id) ?? []), entry]);
        }
        for (const payout of payouts) {
          const entries = received.get(payout.id) ?? [];
          if (payout.status === 'rejected') expect(entries, `${payout.id} never sent`).toHaveLength(0);
          else expect(entries.map((entry) => [entry.outcome, entry.direction]), `${payout.id} received once`).toEqual([['succeeded', 'credit']]);
        }
        const balances = await call(hub.url, 'GET', `/v1/balances?merchant_id=${merchant.body.id}`);
        expect(balances.body).toMatchObject({ available: 0, reserved: 0 });
        const trial = await call(hub.url, 'GET', '/v1/ledger/trial-balance');
        expect(trial.body).toMatchObject({ total: 0, balanced: true });
      } finally {
        await payoutDb.drop();
      }
    }, 240_000);
  });
}
