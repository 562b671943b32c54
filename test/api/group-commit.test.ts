import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { AppContext } from '../../src/app/context.js';
import { createDebit, type ApiResponse, type CreateDebitInput } from '../../src/app/debits.js';
import { AppError } from '../../src/app/errors.js';
import { GroupCommit } from '../../src/app/group-commit.js';
import { TransactionBroken, type Savepoints, type StoreTx } from '../../src/app/ports.js';
import { ENGINES } from '../support/engines.js';
import { cardNumber, createMandate, createMerchant, startTestHub, type TestHub } from '../support/hub.js';

/**
 * Group commit (DESIGN-NOTES §11, issue 15): concurrent API debits share one transaction, each in
 * a savepoint of its own. The requests below are started together from the use case, so that
 * they all wait for the same group; a store that counts its transactions shows they shared one.
 */

type Tx = StoreTx & Savepoints;
const present = (debit: { id: string; status: string; failure_code: string | null }) => ({ id: debit.id, status: debit.status, failure_code: debit.failure_code });

for (const engine of ENGINES) {
  describe(`group commit of API debits on ${engine}`, () => {
    let t: TestHub;
    let ctx: AppContext;
    let merchant: { id: string; key: string };
    let serial = 0;
    const nextCard = () => cardNumber('622202', (serial += 1));

    beforeAll(async () => {
      // No workers: nothing but these requests writes while they run.
      t = await startTestHub(engine, { runWorkers: false });
      ctx = t.hub.ctx;
      merchant = await createMerchant(t);
    });
    afterAll(async () => t.close());

    let original: AppContext['groupCommit'];
    afterEach(() => {
      if (original !== undefined) ctx.groupCommit = original;
    });

    /** Replaces the hub's group commit with one over `transaction`, counting the transactions it opens. */
    function groupOver(transaction: <T>(work: (tx: Tx) => Promise<T>) => Promise<T>): { transactions: number } {
      const counter = { transactions: 0 };
      original = ctx.groupCommit;
      ctx.groupCommit = new GroupCommit<Tx>(
        {
          transaction: (work) => {
            counter.transactions += 1;
            return transaction(work);
          },
        },
        { enabled: true },
      );
      return counter;
    }

    const debitOf = (mandateId: string, amount: number, reference: string, extra: Partial<CreateDebitInput> = {}): CreateDebitInput => ({ mandate_id: mandateId, amount, currency: 'CNY', reference, ...extra });
    const settle = (promises: Promise<ApiResponse>[]) => Promise.allSettled(promises);
    const codeOf = (outcome: PromiseSettledResult<ApiResponse>) => (outcome.status === 'rejected' && outcome.reason instanceof AppError ? outcome.reason.kind : null);

    it('requests started together share one transaction; those that fail are rolled back alone and the good ones all land', async () => {
      const mandateId = await createMandate(t, merchant.key, nextCard(), { limits: { monthly_max: 1_000 } });
      const taken = await createDebit(ctx, merchant.id, null, debitOf(mandateId, 100, 'GC-TAKEN'), present);
      expect(taken.status).toBe(201);
      const counter = groupOver((work) => ctx.store.transaction(work));
      const outcomes = await settle([
        createDebit(ctx, merchant.id, 'gc-key-1', debitOf(mandateId, 300, 'GC-1'), present),
        // The reference of a committed debit: refused, its key claim rolled back with it.
        createDebit(ctx, merchant.id, 'gc-key-2', debitOf(mandateId, 300, 'GC-TAKEN'), present),
        createDebit(ctx, merchant.id, 'gc-key-3', debitOf(mandateId, 300, 'GC-3'), present),
        // A holder name the payer checks refuse, found inside the transaction.
        createDebit(ctx, merchant.id, 'gc-key-4', debitOf(mandateId, 300, 'GC-4', { mandate_id: undefined, payer: { account_number: '1234', holder_name: '' } }), present),
        // The reference of the first request of this group, not yet committed.
        createDebit(ctx, merchant.id, 'gc-key-5', debitOf(mandateId, 300, 'GC-1'), present),
        // 100 + 300 + 300 used: 400 more passes the monthly limit of 1,000: a rejected debit, which uses nothing.
        createDebit(ctx, merchant.id, 'gc-key-6', debitOf(mandateId, 400, 'GC-6'), present),
        createDebit(ctx, merchant.id, 'gc-key-7', debitOf(mandateId, 300, 'GC-7'), present),
        // The same key as the first, after the first in the same group: its answer, replayed after the commit.
        createDebit(ctx, merchant.id, 'gc-key-1', debitOf(mandateId, 300, 'GC-1'), present),
      ]);
      expect(counter.transactions).toBe(1);
      expect(outcomes.map((outcome) => (outcome.status === 'fulfilled' ? (outcome.value.body as { status: string }).status : codeOf(outcome)))).toEqual([
        'pending',
        'reference_already_used',
        'pending',
        'validation_failed',
        'reference_already_used',
        'rejected',
        'pending',
        'pending',
      ]);
      const [first, replayedInGroup] = [outcomes[0]!, outcomes[7]!];
      expect(replayedInGroup.status === 'fulfilled' && replayedInGroup.value.replayed).toBe(true);
      expect(replayedInGroup.status === 'fulfilled' && replayedInGroup.value.body).toEqual(first.status === 'fulfilled' && first.value.body);
      const rejected = outcomes[5]!;
      expect(rejected.status === 'fulfilled' && (rejected.value.body as { failure_code: string }).failure_code).toBe('mandate_monthly_limit_exceeded');

      const stored = (await t.call('GET', `/v1/debits?mandate_id=${mandateId}&limit=100`, { key: merchant.key })).body.data as { reference: string; status: string }[];
      expect(stored.map((debit) => `${debit.reference}:${debit.status}`).sort()).toEqual(['GC-1:pending', 'GC-3:pending', 'GC-6:rejected', 'GC-7:pending', 'GC-TAKEN:pending']);
      // Exactly the pending debits count against the mandate's month: 100 + 300 × 3.
      const month = ctx.clock.now().toISOString().slice(0, 7);
      expect(await ctx.store.transaction((tx) => tx.lockMandateUsage(mandateId, month))).toBe(1_000);
      // The refused requests' keys were rolled back: a corrected retry under one goes through.
      const retried = await createDebit(ctx, merchant.id, 'gc-key-2', debitOf(mandateId, 1, 'GC-2'), present);
      expect(retried.replayed).toBe(false);
      // The committed key replays its answer.
      const replay = await createDebit(ctx, merchant.id, 'gc-key-1', debitOf(mandateId, 300, 'GC-1'), present);
      expect(replay.replayed).toBe(true);
      expect(replay.body).toEqual(outcomes[0]!.status === 'fulfilled' ? outcomes[0]!.value.body : null);
    });

    it('a group whose commit fails answers every request in it with an error and stores nothing of any', async () => {
      const mandateId = await createMandate(t, merchant.key, nextCard());
      const lost = new Error('the commit was lost');
      // Every request's work runs and succeeds; then the transaction fails where it would commit.
      const counter = groupOver((work) =>
        ctx.store.transaction(async (tx) => {
          await work(tx);
          throw lost;
        }),
      );
      const outcomes = await settle(Array.from({ length: 5 }, (_, index) => createDebit(ctx, merchant.id, `gc-lost-${index}`, debitOf(mandateId, 100 + index, `GC-LOST-${index}`), present)));
      expect(counter.transactions).toBe(1);
      expect(outcomes.map((outcome) => (outcome.status === 'rejected' ? outcome.reason : null))).toEqual(Array.from({ length: 5 }, () => lost));
      ctx.groupCommit = original;
      const stored = (await t.call('GET', `/v1/debits?mandate_id=${mandateId}&limit=100`, { key: merchant.key })).body.data;
      expect(stored).toEqual([]);
      // Nor their keys: each goes through when retried.
      const retried = await createDebit(ctx, merchant.id, 'gc-lost-0', debitOf(mandateId, 100, 'GC-LOST-0'), present);
      expect(retried).toMatchObject({ status: 201, replayed: false });
    });

    it('a savepoint that cannot be rolled back fails the whole group, and nothing of it is kept', async () => {
      const mandateId = await createMandate(t, merchant.key, nextCard());
      const broken = new Error('the connection was lost');
      // The second request fails, and rolling back to its savepoint fails too.
      let works = 0;
      const counter = groupOver((work) =>
        ctx.store.transaction((tx) =>
          work({
            ...tx,
            savepoint: (inner) => {
              works += 1;
              return works === 2 ? Promise.reject(new TransactionBroken(broken)) : tx.savepoint(inner);
            },
          }),
        ),
      );
      const outcomes = await settle(Array.from({ length: 3 }, (_, index) => createDebit(ctx, merchant.id, null, debitOf(mandateId, 100 + index, `GC-BROKEN-${index}`), present)));
      expect(counter.transactions).toBe(1);
      expect(outcomes.map((outcome) => (outcome.status === 'rejected' && outcome.reason instanceof TransactionBroken ? outcome.reason.cause : null))).toEqual([broken, broken, broken]);
      ctx.groupCommit = original;
      expect((await t.call('GET', `/v1/debits?mandate_id=${mandateId}&limit=100`, { key: merchant.key })).body.data).toEqual([]);
    });
  });
}
