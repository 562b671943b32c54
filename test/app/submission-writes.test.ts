import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SubmissionWorker } from '../../src/app/submission-worker.js';
import { ENGINES } from '../support/engines.js';
import { cardNumber, createMandate, createMerchant, eventually, startTestHub, type TestHub } from '../support/hub.js';
import { watchTransactions } from '../support/transactions.js';

/**
 * A debit the channel settles at once (the sandbox, with no settle delay) is asked about in the
 * round that sent it, and its attempt is written once after the send: `sending` → `succeeded`,
 * with the debit's success in the same transaction. There is no `accepted` write in between,
 * and no query round: one commit after the send where there were three (issue 15, completion).
 */
for (const engine of ENGINES) {
  describe(`submission writes on ${engine}`, () => {
    let t: TestHub;
    let merchant: { id: string; key: string };

    beforeAll(async () => {
      t = await startTestHub(engine, { runWorkers: false, workers: { batchSize: 10 } });
      merchant = await createMerchant(t);
    });
    afterAll(async () => t?.close());

    it('settles a debit the channel answers at once in the round that sent it, with one attempt write after the send', async () => {
      const ids: string[] = [];
      for (let serial = 1; serial <= 3; serial += 1) {
        const mandateId = await createMandate(t, merchant.key, cardNumber('622202', 7200 + serial));
        const response = await t.call('POST', '/v1/debits', { key: merchant.key, body: { currency: 'CNY', mandate_id: mandateId, amount: 1_000 * serial, reference: `WRITES-${serial}` } });
        expect(response.status, JSON.stringify(response.body)).toBe(201);
        ids.push(response.body.id);
      }

      const ctx = t.hub.ctx;
      const attemptWrites: string[][] = [];
      const watch = watchTransactions(ctx.store, (_, method, args) => {
        if (method !== 'moveAttempts') return;
        const [updates, change] = args as [readonly unknown[], { to: string | null }];
        attemptWrites.push(updates.map(() => change.to ?? '(kept)'));
      });
      try {
        const worker = new SubmissionWorker(ctx, 'writes-test');
        expect(await worker.submitRound()).toBe(3);
      } finally {
        watch.restore();
      }

      // Each attempt written once after the send, straight to `succeeded`, in one statement for the round.
      expect(attemptWrites).toEqual([['succeeded', 'succeeded', 'succeeded']]);
      for (const id of ids) {
        const debit = (await t.call('GET', `/v1/debits/${id}`, { key: merchant.key })).body;
        expect(debit.status).toBe('succeeded');
        expect(debit.attempts.map((attempt: { state: string; channel_reference: string | null }) => [attempt.state, attempt.channel_reference !== null])).toEqual([['succeeded', true]]);
      }
    });

    it('moves the debits it sent to succeeded without reading them back, and their events carry each debit as stored', async () => {
      const ids: string[] = [];
      for (let serial = 1; serial <= 3; serial += 1) {
        const mandateId = await createMandate(t, merchant.key, cardNumber('622202', 7500 + serial));
        const response = await t.call('POST', '/v1/debits', { key: merchant.key, body: { currency: 'CNY', mandate_id: mandateId, amount: 700 * serial, reference: `HELD-${serial}` } });
        expect(response.status, JSON.stringify(response.body)).toBe(201);
        ids.push(response.body.id);
      }

      const ctx = t.hub.ctx;
      const debitWrites: string[] = [];
      const watch = watchTransactions(ctx.store, (_, method) => {
        if (method === 'updateDebits' || method === 'moveDebits' || method === 'updateDebit') debitWrites.push(method);
      });
      try {
        const worker = new SubmissionWorker(ctx, 'held-test');
        expect(await worker.submitRound()).toBe(3);
      } finally {
        watch.restore();
      }

      // The claim is the round's only read of the debits; their success is one write that returns ids.
      expect(debitWrites).toEqual(['moveDebits']);
      for (const id of ids) {
        // A single GET adds the history and what re-presents the debit; an event carries the rest.
        const { events: _events, attempts: _attempts, represented_by: _representedBy, ...debit } = (await t.call('GET', `/v1/debits/${id}`, { key: merchant.key })).body;
        expect(debit.status).toBe('succeeded');
        const published = (await t.call('GET', `/v1/events?type=debit.succeeded&object_id=${id}`, { key: merchant.key })).body.data;
        expect(published.map((event: { data: { object: unknown } }) => event.data.object)).toEqual([debit]);
      }
    });

    it('fails a round\'s refused debits together: one debit write for the round, each with its failure and event', async () => {
      const ids: string[] = [];
      for (let serial = 1; serial <= 3; serial += 1) {
        const account = cardNumber('622202', 7400 + serial);
        expect((await t.call('PUT', `/v1/sandbox/accounts/${account}`, { body: { status: 'frozen' } })).status).toBe(200);
        const mandateId = await createMandate(t, merchant.key, account);
        const response = await t.call('POST', '/v1/debits', { key: merchant.key, body: { currency: 'CNY', mandate_id: mandateId, amount: 500 * serial, reference: `REFUSED-${serial}` } });
        expect(response.status, JSON.stringify(response.body)).toBe(201);
        ids.push(response.body.id);
      }

      const ctx = t.hub.ctx;
      const debitWrites: string[][] = [];
      const watch = watchTransactions(ctx.store, (_, method, args) => {
        if (method === 'updateDebits') debitWrites.push((args[0] as readonly { id: string }[]).map(({ id }) => id));
        if (method === 'updateDebit') debitWrites.push([args[0] as string]);
      });
      try {
        const worker = new SubmissionWorker(ctx, 'refused-test');
        expect(await worker.submitRound()).toBe(3);
      } finally {
        watch.restore();
      }

      expect(debitWrites).toEqual([ids]);
      for (const id of ids) {
        const debit = (await t.call('GET', `/v1/debits/${id}`, { key: merchant.key })).body;
        expect(debit).toMatchObject({ status: 'failed', failure: { code: 'account_blocked', retryable: false } });
        const events = (await t.call('GET', `/v1/events?type=debit.failed`, { key: merchant.key })).body.data.filter((event: { data: { object: { id: string } } }) => event.data.object.id === id);
        expect(events.map((event: { data: { object: { status: string } } }) => event.data.object.status)).toEqual(['failed']);
      }
    });

    it('applies a full round\'s answers in the transaction that claims the next round, while the worker runs', async () => {
      const ids: string[] = [];
      for (let serial = 1; serial <= 25; serial += 1) {
        const mandateId = await createMandate(t, merchant.key, cardNumber('622202', 7300 + serial));
        const response = await t.call('POST', '/v1/debits', { key: merchant.key, body: { currency: 'CNY', mandate_id: mandateId, amount: 100 * serial, reference: `MERGED-${serial}` } });
        expect(response.status, JSON.stringify(response.body)).toBe(201);
        ids.push(response.body.id);
      }

      const ctx = t.hub.ctx;
      const transactions: string[][] = [];
      const watch = watchTransactions(ctx.store, (transaction, method) => {
        if (method === 'moveAttempts' || method === 'claimPendingDebits') (transactions[transaction] ??= []).push(method);
      });
      const worker = new SubmissionWorker(ctx, 'merged-test');
      try {
        worker.start();
        await eventually(async () => {
          const bodies = await Promise.all(ids.map(async (id) => (await t.call('GET', `/v1/debits/${id}`, { key: merchant.key })).body));
          return bodies.every((body) => body.status === 'succeeded') ? true : null;
        }, 15_000, 'the debits to succeed');
      } finally {
        await worker.stop();
        watch.restore();
      }

      // Three rounds of 10, 10 and 5: the first two rounds' answers go with the next claim; the last round, not full, applies its own.
      const writing = transactions.filter((calls) => calls.length > 0);
      expect(writing.slice(0, 4)).toEqual([['claimPendingDebits'], ['moveAttempts', 'claimPendingDebits'], ['moveAttempts', 'claimPendingDebits'], ['moveAttempts']]);
    });
  });
}
