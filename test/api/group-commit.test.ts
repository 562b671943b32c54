import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { AppContext } from '../../src/app/context.js';
import { createDebit, type ApiResponse, type CreateDebitInput } from '../../src/app/debits.js';
import { AppError } from '../../src/app/errors.js';
import { GroupCommit } from '../../src/app/group-commit.js';
import { TransactionBroken, type Savepoints, type StoreTx } from '../../src/app/ports.js';
import { isTransactionConflict } from '../../src/storage/database.js';
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

    /**
     * Replaces the hub's group commit with one over `transaction`, counting the transactions it
     * opens and the savepoints they take (one when a group's debits were written together; one
     * more per debit when the group fell back to one by one).
     */
    function groupOver(transaction: <T>(work: (tx: Tx) => Promise<T>) => Promise<T>): { transactions: number; savepoints: number } {
      const counter = { transactions: 0, savepoints: 0 };
      original = ctx.groupCommit;
      ctx.groupCommit = new GroupCommit<Tx>(
        {
          transaction: (work) => {
            counter.transactions += 1;
            return transaction((tx) =>
              work({
                ...tx,
                savepoint: (inner) => {
                  counter.savepoints += 1;
                  return tx.savepoint(inner);
                },
              }),
            );
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
      // Counted for /metrics (daikou_group_commit_*): one group committed, of all eight, the refused ones included.
      expect(ctx.groupCommit.committed()).toEqual({ groups: 1, requests: 8 });
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

    /** The group's answers: a debit's status (and failure code when rejected), `replay` for a replayed answer, or the error's code. */
    const answers = (outcomes: PromiseSettledResult<ApiResponse>[]) =>
      outcomes.map((outcome) => {
        if (outcome.status === 'rejected') return codeOf(outcome);
        const body = outcome.value.body as { status: string; failure_code: string | null };
        return outcome.value.replayed ? `replay:${body.status}` : body.failure_code === null ? body.status : `${body.status}:${body.failure_code}`;
      });
    const usage = (mandateId: string) => ctx.store.transaction((tx) => tx.lockMandateUsage(mandateId, ctx.clock.now().toISOString().slice(0, 7)));
    const storedOf = async (key: string, mandateId: string) =>
      ((await t.call('GET', `/v1/debits?mandate_id=${mandateId}&limit=100`, { key })).body.data as { id: string; reference: string; status: string }[]).map((debit) => `${debit.reference}:${debit.status}`).sort();

    it('a group of two merchants decides each against its own references, mandates and keys', async () => {
      const other = await createMerchant(t);
      const [mine, theirs] = [await createMandate(t, merchant.key, nextCard()), await createMandate(t, other.key, nextCard())];
      const counter = groupOver((work) => ctx.store.transaction(work));
      const outcomes = await settle([
        createDebit(ctx, merchant.id, 'mix-key', debitOf(mine, 100, 'MIX-1'), present),
        // The same reference and the same key at another merchant: theirs, not a duplicate nor a replay.
        createDebit(ctx, other.id, 'mix-key', debitOf(theirs, 100, 'MIX-1'), present),
        // Each merchant's second use of the reference is refused.
        createDebit(ctx, other.id, 'mix-key-2', debitOf(theirs, 200, 'MIX-1'), present),
        createDebit(ctx, merchant.id, 'mix-key-3', debitOf(mine, 200, 'MIX-1'), present),
        // The other merchant's mandate is not this merchant's.
        createDebit(ctx, merchant.id, 'mix-key-4', debitOf(theirs, 300, 'MIX-4'), present),
        createDebit(ctx, other.id, 'mix-key-4', debitOf(theirs, 300, 'MIX-4'), present),
      ]);
      expect(counter).toEqual({ transactions: 1, savepoints: 1 });
      expect(answers(outcomes)).toEqual(['pending', 'pending', 'reference_already_used', 'reference_already_used', 'rejected:mandate_not_found', 'pending']);
      expect(await storedOf(merchant.key, mine)).toEqual(['MIX-1:pending']);
      expect(await storedOf(other.key, theirs)).toEqual(['MIX-1:pending', 'MIX-4:pending']);
    });

    it("a mandate's monthly limit reached by the third debit of a group rejects it, and a later one that fits goes through", async () => {
      const mandateId = await createMandate(t, merchant.key, nextCard(), { limits: { monthly_max: 1_000 } });
      const counter = groupOver((work) => ctx.store.transaction(work));
      const outcomes = await settle([400, 400, 400, 200].map((amount, index) => createDebit(ctx, merchant.id, null, debitOf(mandateId, amount, `LIMIT-${index}`), present)));
      expect(counter).toEqual({ transactions: 1, savepoints: 1 });
      expect(answers(outcomes)).toEqual(['pending', 'pending', 'rejected:mandate_monthly_limit_exceeded', 'pending']);
      // One write of the whole group's use: 400 + 400 + 200.
      expect(await usage(mandateId)).toBe(1_000);
      const next = await createDebit(ctx, merchant.id, null, debitOf(mandateId, 1, 'LIMIT-AFTER'), present);
      expect((next.body as { failure_code: string | null }).failure_code).toBe('mandate_monthly_limit_exceeded');
    });

    it('two requests of one key in a group: the second replays the first, or is refused when its body differs; a refused first frees the key', async () => {
      const mandateId = await createMandate(t, merchant.key, nextCard());
      const counter = groupOver((work) => ctx.store.transaction(work));
      const outcomes = await settle([
        createDebit(ctx, merchant.id, 'dup-key', debitOf(mandateId, 100, 'DUP-1'), present),
        createDebit(ctx, merchant.id, 'dup-key', debitOf(mandateId, 100, 'DUP-1'), present),
        createDebit(ctx, merchant.id, 'dup-key', debitOf(mandateId, 999, 'DUP-1'), present),
        // Refused by its own checks: its key goes to the next request that uses it.
        createDebit(ctx, merchant.id, 'dup-free', debitOf(mandateId, 100, 'DUP-1'), present),
        createDebit(ctx, merchant.id, 'dup-free', debitOf(mandateId, 200, 'DUP-2'), present),
        createDebit(ctx, merchant.id, 'dup-free', debitOf(mandateId, 200, 'DUP-2'), present),
      ]);
      expect(counter).toEqual({ transactions: 1, savepoints: 1 });
      expect(answers(outcomes)).toEqual(['pending', 'replay:pending', 'idempotency_key_reused', 'reference_already_used', 'pending', 'replay:pending']);
      const body = (index: number) => (outcomes[index]!.status === 'fulfilled' ? (outcomes[index]!.value.body as { id: string }).id : null);
      expect(body(1)).toBe(body(0));
      expect(body(5)).toBe(body(4));
      expect(await storedOf(merchant.key, mandateId)).toEqual(['DUP-1:pending', 'DUP-2:pending']);
      // The answers were stored with the keys: replayed after the commit too.
      expect((await createDebit(ctx, merchant.id, 'dup-free', debitOf(mandateId, 200, 'DUP-2'), present)).body).toEqual(outcomes[4]!.status === 'fulfilled' ? outcomes[4]!.value.body : null);
    });

    it('two debits of one reference in a group: the second is refused, unless the first was rejected and so holds no reference', async () => {
      const mandateId = await createMandate(t, merchant.key, nextCard(), { limits: { per_debit_max: 500 } });
      const counter = groupOver((work) => ctx.store.transaction(work));
      const outcomes = await settle([
        createDebit(ctx, merchant.id, null, debitOf(mandateId, 100, 'REF-1'), present),
        createDebit(ctx, merchant.id, null, debitOf(mandateId, 100, 'REF-1'), present),
        // Over the per-debit limit: rejected, and the reference stays free.
        createDebit(ctx, merchant.id, null, debitOf(mandateId, 600, 'REF-2'), present),
        createDebit(ctx, merchant.id, null, debitOf(mandateId, 100, 'REF-2'), present),
        createDebit(ctx, merchant.id, null, debitOf(mandateId, 100, 'REF-2'), present),
      ]);
      expect(counter).toEqual({ transactions: 1, savepoints: 1 });
      expect(answers(outcomes)).toEqual(['pending', 'reference_already_used', 'rejected:mandate_limit_exceeded', 'pending', 'reference_already_used']);
      expect(await storedOf(merchant.key, mandateId)).toEqual(['REF-1:pending', 'REF-2:pending', 'REF-2:rejected']);
    });

    it('a group whose debits cannot be written together (a reference a concurrent transaction took) goes one by one, and each stands alone', async () => {
      const mandateId = await createMandate(t, merchant.key, nextCard());
      // The first multi-row insert of debits fails as PostgreSQL's unique index fails it.
      let inserts = 0;
      const counter = groupOver((work) =>
        ctx.store.transaction((tx) =>
          work({
            ...tx,
            insertDebits: (rows) => {
              inserts += 1;
              return inserts === 1 ? Promise.reject(new Error('duplicate key value violates unique constraint')) : tx.insertDebits(rows);
            },
          }),
        ),
      );
      const outcomes = await settle([
        createDebit(ctx, merchant.id, 'alone-1', debitOf(mandateId, 100, 'ALONE-1'), present),
        createDebit(ctx, merchant.id, 'alone-2', debitOf(mandateId, 100, 'ALONE-1'), present),
        createDebit(ctx, merchant.id, 'alone-3', debitOf(mandateId, 100, 'ALONE-3'), present),
      ]);
      expect(counter).toEqual({ transactions: 1, savepoints: 4 });
      expect(answers(outcomes)).toEqual(['pending', 'reference_already_used', 'pending']);
      expect(await storedOf(merchant.key, mandateId)).toEqual(['ALONE-1:pending', 'ALONE-3:pending']);
      // Nothing of the failed attempt stayed: the keys hold the answers of the requests alone.
      expect((await createDebit(ctx, merchant.id, 'alone-1', debitOf(mandateId, 100, 'ALONE-1'), present)).replayed).toBe(true);
      expect((await createDebit(ctx, merchant.id, 'alone-2', debitOf(mandateId, 1, 'ALONE-2'), present)).replayed).toBe(false);
    });

    it('a savepoint that cannot be rolled back fails the whole group, and nothing of it is kept', async () => {
      const mandateId = await createMandate(t, merchant.key, nextCard());
      const broken = new Error('the connection was lost');
      // The group's savepoint (its debits are decided and written together, in one) fails, and
      // rolling back to it fails too.
      let works = 0;
      const counter = groupOver((work) =>
        ctx.store.transaction((tx) =>
          work({
            ...tx,
            savepoint: (inner) => {
              works += 1;
              return works === 1 ? Promise.reject(new TransactionBroken(broken)) : tx.savepoint(inner);
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

    // Several groups in flight (PostgreSQL): each its own transaction, the usage rows they share locked.
    it.runIf(engine === 'postgres')('two groups in flight locking the same two mandates in opposite orders deadlock; the one aborted runs again, and both land exactly', async () => {
      const [first, second] = [await createMandate(t, merchant.key, nextCard(), { limits: { monthly_max: 10_000 } }), await createMandate(t, merchant.key, nextCard(), { limits: { monthly_max: 10_000 } })];
      // Each group's first transaction, once it holds its first mandate's usage row, waits until the
      // other holds its own: then each asks for the other's row, and PostgreSQL aborts one.
      let transactions = 0;
      let holders = 0;
      let release = () => {};
      const bothHold = new Promise<void>((resolve, reject) => {
        release = resolve;
        setTimeout(() => reject(new Error('the two groups did not run at once')), 10_000).unref();
      });
      original = ctx.groupCommit;
      ctx.groupCommit = new GroupCommit<Tx>(
        {
          transaction: (work) => {
            transactions += 1;
            let waited = transactions > 2;
            return ctx.store.transaction((tx) =>
              work({
                ...tx,
                lockMandateUsage: async (mandateId, month) => {
                  const usage = await tx.lockMandateUsage(mandateId, month);
                  if (!waited) {
                    waited = true;
                    holders += 1;
                    if (holders === 2) release();
                    await bothHold;
                  }
                  return usage;
                },
              }),
            );
          },
        },
        { enabled: true, sizeMax: 2, groupsMax: 2, retryable: isTransactionConflict },
      );
      const outcomes = await settle([
        createDebit(ctx, merchant.id, 'order-1', debitOf(first, 100, 'ORDER-1'), present),
        createDebit(ctx, merchant.id, 'order-2', debitOf(second, 200, 'ORDER-2'), present),
        createDebit(ctx, merchant.id, 'order-3', debitOf(second, 400, 'ORDER-3'), present),
        createDebit(ctx, merchant.id, 'order-4', debitOf(first, 800, 'ORDER-4'), present),
      ]);
      expect(answers(outcomes)).toEqual(['pending', 'pending', 'pending', 'pending']);
      // Two groups, and the one aborted once more.
      expect(transactions).toBe(3);
      expect([await usage(first), await usage(second)]).toEqual([900, 600]);
      expect(await storedOf(merchant.key, first)).toEqual(['ORDER-1:pending', 'ORDER-4:pending']);
      expect(await storedOf(merchant.key, second)).toEqual(['ORDER-2:pending', 'ORDER-3:pending']);
    });
  });
}
