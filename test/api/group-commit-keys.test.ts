import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { AppContext } from '../../src/app/context.js';
import { createDebit, type ApiResponse, type CreateDebitInput } from '../../src/app/debits.js';
import { AppError } from '../../src/app/errors.js';
import { GroupCommit } from '../../src/app/group-commit.js';
import type { IdempotencyRow, Savepoints, StoreTx } from '../../src/app/ports.js';
import { ENGINES } from '../support/engines.js';
import { cardNumber, createMandate, createMerchant, startTestHub, type TestHub } from '../support/hub.js';

/**
 * The idempotency keys of a group of API debits (issue 15): the group decides before it writes,
 * so each new key is written once, with its answer, not claimed in progress and then answered.
 * A key that a concurrent transaction stored after the group looked (PostgreSQL) sends the
 * group one by one, where that request finds the stored key.
 */

type Tx = StoreTx & Savepoints;
const present = (debit: { id: string; status: string }) => ({ id: debit.id, status: debit.status });

for (const engine of ENGINES) {
  describe(`idempotency keys of a group of API debits on ${engine}`, () => {
    let t: TestHub;
    let ctx: AppContext;
    let merchant: { id: string; key: string };
    let mandateId: string;
    beforeAll(async () => {
      t = await startTestHub(engine, { runWorkers: false });
      ctx = t.hub.ctx;
      merchant = await createMerchant(t);
      mandateId = await createMandate(t, merchant.key, cardNumber('622202', 17));
    });
    afterAll(async () => t.close());

    let original: AppContext['groupCommit'] | undefined;
    afterEach(() => {
      if (original !== undefined) ctx.groupCommit = original;
      original = undefined;
    });

    /**
     * The hub's group commit over a transaction whose key writes are recorded. `hidden`: client
     * keys the group's look-up does not see, as if another transaction stored them only after it.
     */
    function recordKeyWrites(hidden: readonly string[] = []) {
      const hiddenIndexes = new Set(hidden.map((key) => ctx.vault.index('idempotency_key', key)));
      const writes: { kind: 'insert' | 'complete' | 'update'; rows: IdempotencyRow[] }[] = [];
      original = ctx.groupCommit;
      ctx.groupCommit = new GroupCommit<Tx>(
        {
          transaction: (work) =>
            ctx.store.transaction((tx) =>
              work({
                ...tx,
                findIdempotencyKeys: async (merchantId, keys) => new Set([...(await tx.findIdempotencyKeys(merchantId, keys))].filter((key) => !hiddenIndexes.has(key))),
                insertIdempotencyKeys: async (rows) => {
                  writes.push({ kind: 'insert', rows: [...rows] });
                  return tx.insertIdempotencyKeys(rows);
                },
                completeIdempotencyKeys: async (rows) => {
                  if (rows.length > 0) writes.push({ kind: 'complete', rows: [...rows] });
                  return tx.completeIdempotencyKeys(rows);
                },
                completeIdempotencyKey: async (merchantId, key, status, body) => {
                  writes.push({ kind: 'update', rows: [] });
                  return tx.completeIdempotencyKey(merchantId, key, status, body);
                },
              }),
            ),
        },
        { enabled: true },
      );
      return writes;
    }

    const debitOf = (amount: number, reference: string): CreateDebitInput => ({ mandate_id: mandateId, amount, currency: 'CNY', reference });

    it('writes each new key of a group once, done with its answer', async () => {
      const writes = recordKeyWrites();
      const answers = await Promise.all([1, 2, 3].map((n) => createDebit(ctx, merchant.id, `once-${n}`, debitOf(100 + n, `ONCE-${n}`), present)));
      expect(answers.map((answer) => answer.status)).toEqual([201, 201, 201]);
      expect(writes.map((write) => write.kind)).toEqual(['insert']);
      expect(writes[0]!.rows.map((row) => [row.state, row.response_status, row.response_body === null ? null : JSON.parse(row.response_body)])).toEqual(
        answers.map((answer) => ['done', 201, answer.body]),
      );
      // Replayed as before.
      const replay = await createDebit(ctx, merchant.id, 'once-2', debitOf(102, 'ONCE-2'), present);
      expect(replay).toMatchObject({ status: 201, replayed: true, body: answers[1]!.body });
    });

    it('a key stored by another transaction after the group looked: the group goes one by one, and that request finds the stored key', async () => {
      const earlier = await createDebit(ctx, merchant.id, 'meanwhile-2', debitOf(999, 'MEANWHILE-0'), present);
      expect(earlier.status).toBe(201);
      const writes = recordKeyWrites(['meanwhile-2']);
      const outcomes = await Promise.allSettled([1, 2].map((n) => createDebit(ctx, merchant.id, `meanwhile-${n}`, debitOf(200 + n, `MEANWHILE-${n}`), present)));
      expect(outcomes[0]).toMatchObject({ status: 'fulfilled', value: { status: 201, replayed: false } });
      // Stored with another body: this request is refused as a reuse of the key, and writes nothing.
      expect(outcomes[1]!.status === 'rejected' && outcomes[1]!.reason instanceof AppError ? outcomes[1]!.reason.kind : null).toBe('idempotency_key_reused');
      // The group's insert of keys met the stored one, and the group went one by one.
      expect(writes.map((write) => write.kind)).toEqual(['insert', 'update']);
      const references = async (reference: string) => ((await t.call('GET', `/v1/debits?reference=${reference}`, { key: merchant.key })).body as { data: { id: string }[] }).data.map((debit) => debit.id);
      expect(await references('MEANWHILE-2')).toEqual([]);
      expect(await references('MEANWHILE-1')).toEqual([((outcomes[0] as PromiseFulfilledResult<ApiResponse>).value.body as { id: string }).id]);
      ctx.groupCommit = original!;
      expect(await createDebit(ctx, merchant.id, 'meanwhile-2', debitOf(999, 'MEANWHILE-0'), present)).toMatchObject({ replayed: true, body: earlier.body });
    });
  });
}
