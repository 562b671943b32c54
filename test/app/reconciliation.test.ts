import path from 'node:path';
import fc from 'fast-check';
import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../../src/app/ports.js';
import { reconcile, reconcilePreviousDay, resolveReconciliationException, type ReconciliationContext } from '../../src/app/reconciliations.js';
import { AppError } from '../../src/app/errors.js';
import { FlowTable, SequentialIds, SettableClock, type BusinessDate, type ChannelFlows, type StatementLine, type StatementOutcome } from '../../src/core/index.js';
import { createLogger } from '../../src/logger.js';
import { migrateToLatest } from '../../src/storage/database.js';
import { openStore } from '../../src/storage/kysely-store.js';
import type { Database } from '../../src/storage/schema.js';
import { ENGINES, freshDatabase, type TestDatabase } from '../support/engines.js';
import { LogCapture } from '../support/hub.js';
import { lineOf, merchantRow, seedChannel, seedInstructions, statementCamt053, statementCsv, type SeededInstruction } from '../support/reconciliation-seed.js';
import { OBJECT_PRESENTERS } from '../../src/http/presenters.js';

/**
 * Reconciliation (SPEC §15) on the store of each engine: every discrepancy kind found and none
 * falsely flagged (a property over generated instruction sets and statement corruptions), the
 * statement's own checks, midnight, resolutions posting balanced transactions, re-runs.
 */

const DATE = '2024-09-30' as BusinessDate;
/** Shanghai `DATE` at `hours` as UTC text: what daikou writes in `updated_at`. */
const at = (date: string, hours: number) => new Date(Date.parse(`${date}T00:00:00+08:00`) + hours * 3_600_000).toISOString();

type Corruption = 'none' | 'drop' | 'duplicate' | 'amount' | 'status';

for (const engine of ENGINES) {
  describe(`reconciliation on ${engine}`, () => {
    let database: TestDatabase;
    let store: Store;
    let db: Kysely<Database>;
    let ctx: ReconciliationContext;
    let clock: SettableClock;
    /** Each channel's statement body by `channel/date`, made afresh at each fetch (a body is read once). */
    const statements = new Map<string, () => AsyncIterable<Uint8Array>>();
    let serial = 0;

    beforeAll(async () => {
      database = await freshDatabase(engine);
      const opened = openStore(engine === 'sqlite' ? { engine: 'sqlite', file: path.join(database.dataDir, 'daikou.sqlite') } : { engine: 'postgres', url: database.databaseUrl! });
      store = opened.store;
      db = opened.db;
      await migrateToLatest(opened.db);
      await store.insertMerchant(merchantRow('mer_1'));
      clock = new SettableClock();
      clock.set(new Date(at('2024-10-01', 3)));
      const flows = new Map<string, ChannelFlows>();
      const source = (channel: string): ChannelFlows => ({
        debitSubmit: null, debitQuery: null, payoutSubmit: null,
        statementSource: {
          statement: (date): Promise<StatementOutcome> => {
            const body = statements.get(`${channel}/${date}`);
            return Promise.resolve(body === undefined ? { kind: 'not_ready' } : { kind: 'ready', body: body() });
          },
        },
      });
      const connectors = new FlowTable(new Proxy(flows, { get: (target, name) => (name === 'get' ? (channel: string) => source(channel) : Reflect.get(target, name)) }));
      ctx = { store, clock, ids: new SequentialIds(), logger: createLogger({ level: 'info', destination: new LogCapture() }), connectors, presenters: OBJECT_PRESENTERS };
    });

    afterAll(async () => {
      await store.close();
      await database.drop();
    });

    async function freshChannel(): Promise<string> {
      serial += 1;
      const channel = `chn-${serial}`;
      await seedChannel(store, channel);
      return channel;
    }

    function file(text: string, format: 'csv' | 'camt.053' = 'csv') {
      return { kind: 'file' as const, format, body: [Buffer.from(text)] };
    }

    /** A document as a channel's body streams it: 64 KiB at a time. */
    async function* chunked(text: string, onChunk: (index: number, last: boolean) => Promise<void> = async () => undefined): AsyncGenerator<Uint8Array> {
      const bytes = Buffer.from(text);
      const size = 64 * 1024;
      for (let start = 0, index = 0; start < bytes.length; start += size, index += 1) {
        await onChunk(index, start + size >= bytes.length);
        yield bytes.subarray(start, start + size);
      }
    }

    async function trialBalance(): Promise<number> {
      return (await store.listLedgerAccounts()).reduce((sum, row) => sum + row.balance, 0);
    }

    const instruction = fc.record({
      kind: fc.constantFrom<'debit' | 'payout'>('debit', 'payout'),
      amount: fc.integer({ min: 1, max: 1_000_000 }),
      payerFee: fc.constantFrom(0, 0, 150),
      state: fc.constantFrom<'succeeded' | 'failed' | 'accepted'>('succeeded', 'succeeded', 'failed', 'accepted'),
      // Hours into the date (Shanghai); 24.5 is the next date, outside the statement's scope.
      hours: fc.constantFrom(0.001, 9, 23.999, 24.5),
      corruption: fc.constantFrom<Corruption>('none', 'none', 'drop', 'duplicate', 'amount', 'status'),
    });

    it('finds every corruption of a statement and flags nothing else', async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(instruction, { maxLength: 14 }), fc.integer({ min: 0, max: 3 }), fc.boolean(), async (generated, unknownLines, camt) => {
          const channel = await freshChannel();
          const seeded: SeededInstruction[] = generated.map((g, index) => ({
            kind: g.kind, id: `${g.kind === 'debit' ? 'dbt' : 'pyt'}_${channel}_${index}`, amount: g.amount, payerFee: g.kind === 'debit' ? g.payerFee : 0, state: g.state, recordedAt: at(DATE, g.hours),
          }));
          await seedInstructions(store, 'mer_1', channel, seeded);
          const expected = { lines: 0, matched: 0, missing_in_daikou: 0, missing_in_statement: 0, amount_mismatch: 0, status_mismatch: 0, duplicate: 0 };
          const entries: Omit<StatementLine, 'line'>[] = [];
          generated.forEach((g, index) => {
            const i = seeded[index]!;
            // The channel lists what it decided on the date: an open attempt is undecided on both sides.
            const inScope = g.state !== 'accepted' && g.hours < 24;
            if (!inScope) return;
            const line = lineOf(i, 0);
            if (g.corruption === 'drop') {
              expected.missing_in_statement += 1;
              return;
            }
            if (g.corruption === 'amount') {
              entries.push({ ...line, amount: line.amount + 1 });
              expected.amount_mismatch += 1;
              return;
            }
            if (g.corruption === 'status') {
              entries.push({ ...line, status: line.status === 'succeeded' ? 'failed' : 'succeeded' });
              expected.status_mismatch += 1;
              return;
            }
            entries.push(line);
            expected.matched += 1;
            if (g.corruption === 'duplicate') {
              entries.push(line);
              expected.duplicate += 1;
            }
          });
          for (let n = 0; n < unknownLines; n += 1) {
            entries.push({ channel_reference: null, end_to_end_id: `dbt_unknown_${channel}_${n}`, direction: n % 2 === 0 ? 'debit' : 'credit', amount: 100 + n, status: 'succeeded', settled_at: null });
            expected.missing_in_daikou += 1;
          }
          expected.lines = entries.length;
          const text = camt ? statementCamt053(channel, DATE, entries) : statementCsv(channel, DATE, entries);
          const run = await reconcile(ctx, { channelId: channel, businessDate: DATE, input: file(text, camt ? 'camt.053' : 'csv'), requestedBy: 'key_test' });
          expect(run.failure_message).toBeNull();
          expect(run.status).toBe('completed');
          expect({
            lines: run.lines, matched: run.matched, missing_in_daikou: run.missing_in_daikou, missing_in_statement: run.missing_in_statement,
            amount_mismatch: run.amount_mismatch, status_mismatch: run.status_mismatch, duplicate: run.duplicate,
          }).toEqual(expected);
          const succeededSum = (direction: 'debit' | 'credit') => entries.filter((e) => e.direction === direction && e.status === 'succeeded').reduce((sum, e) => sum + e.amount, 0);
          expect([run.statement_debit_amount, run.statement_credit_amount]).toEqual([succeededSum('debit'), succeededSum('credit')]);
          const ours = (direction: 'debit' | 'credit') => seeded.filter((i) => lineOf(i, 0).direction === direction && i.state === 'succeeded' && i.recordedAt < at(DATE, 24)).reduce((sum, i) => sum + lineOf(i, 0).amount, 0);
          expect([run.daikou_debit_amount, run.daikou_credit_amount]).toEqual([ours('debit'), ours('credit')]);
          const exceptions = await store.listReconciliationExceptions({ reconciliationId: run.id, limit: 100 });
          expect(exceptions.data).toHaveLength(expected.lines - expected.matched + expected.missing_in_statement);
        }),
        { numRuns: 30 },
      );
    });

    it('fails a statement whose totals disagree with its lines, or that is of another channel or date', async () => {
      const channel = await freshChannel();
      const line = { channel_reference: 'R1', end_to_end_id: 'dbt_x', direction: 'debit' as const, amount: 500, status: 'succeeded' as const, settled_at: null };
      const wrongTotals = await reconcile(ctx, { channelId: channel, businessDate: DATE, input: file(statementCsv(channel, DATE, [line], { debit: { count: 1, amount: 499 }, credit: { count: 0, amount: 0 } })), requestedBy: null });
      expect([wrongTotals.status, wrongTotals.failure_code]).toEqual(['failed', 'totals_mismatch']);
      const otherDate = await reconcile(ctx, { channelId: channel, businessDate: DATE, input: file(statementCsv(channel, '2024-09-29', [line])), requestedBy: null });
      expect([otherDate.status, otherDate.failure_code]).toEqual(['failed', 'statement_mismatch']);
      const garbage = await reconcile(ctx, { channelId: channel, businessDate: DATE, input: file('<Document/>', 'camt.053'), requestedBy: null });
      expect([garbage.status, garbage.failure_code]).toEqual(['failed', 'invalid_statement']);
      expect((await store.listReconciliations({ channelId: channel, limit: 10 })).data.map((run) => run.status)).toEqual(['failed', 'failed', 'failed']);
    });

    it('does not flag an instruction the channel decided before midnight and daikou recorded after it', async () => {
      const channel = await freshChannel();
      const late: SeededInstruction = { kind: 'debit', id: `dbt_${channel}_late`, amount: 700, payerFee: 0, state: 'succeeded', recordedAt: at('2024-10-01', 0.0001) };
      await seedInstructions(store, 'mer_1', channel, [late]);
      const day = await reconcile(ctx, { channelId: channel, businessDate: DATE, input: file(statementCsv(channel, DATE, [lineOf(late, 1)])), requestedBy: null });
      expect([day.matched, day.missing_in_statement]).toEqual([1, 0]);
      const next = await reconcile(ctx, { channelId: channel, businessDate: '2024-10-01' as BusinessDate, input: file(statementCsv(channel, '2024-10-01', [])), requestedBy: null });
      expect([next.status, next.lines, next.missing_in_statement]).toEqual(['completed', 0, 0]);
    });

    it('keeps the staging lines of a date and the date before it, and deletes older ones as a date completes', async () => {
      const channel = await freshChannel();
      const linesOf = async (runId: string) => Number((await sql<{ n: number }>`select count(*) as n from reconciliation_lines where reconciliation_id = ${runId}`.execute(db)).rows[0]!.n);
      const runs = new Map<string, string>();
      for (const date of ['2024-09-27', '2024-09-28', '2024-09-29', '2024-09-30']) {
        const decided: SeededInstruction = { kind: 'debit', id: `dbt_${channel}_${date}`, amount: 500, payerFee: 0, state: 'succeeded', recordedAt: at(date, 10) };
        await seedInstructions(store, 'mer_1', channel, [decided]);
        const run = await reconcile(ctx, { channelId: channel, businessDate: date as BusinessDate, input: file(statementCsv(channel, date, [lineOf(decided, 1)])), requestedBy: null });
        expect([run.status, run.matched, run.missing_in_statement]).toEqual(['completed', 1, 0]);
        runs.set(date, run.id);
      }
      expect(await Promise.all([...runs.values()].map(linesOf))).toEqual([0, 0, 1, 1]);
    });

    it('resolves each kind with balanced transactions, once; a re-run supersedes without reopening what was resolved', async () => {
      const channel = await freshChannel();
      const mk = (n: number, kind: 'debit' | 'payout', state: 'succeeded' | 'failed'): SeededInstruction => ({ kind, id: `${kind === 'debit' ? 'dbt' : 'pyt'}_${channel}_${n}`, amount: 1_000 * n, payerFee: 0, state, recordedAt: at(DATE, 10) });
      const seeded = [mk(1, 'debit', 'succeeded'), mk(2, 'debit', 'succeeded'), mk(3, 'payout', 'failed'), mk(4, 'debit', 'succeeded'), mk(5, 'payout', 'succeeded')];
      await seedInstructions(store, 'mer_1', channel, seeded);
      const entries = [
        { ...lineOf(seeded[0]!, 0), amount: 1_500 }, // amount_mismatch: the channel took 500 more
        lineOf(seeded[1]!, 0),
        lineOf(seeded[1]!, 0), // duplicate: 2,000 taken twice
        { ...lineOf(seeded[2]!, 0), status: 'succeeded' as const }, // status_mismatch: the channel paid 3,000 out
        // seeded[3] dropped: missing_in_statement (daikou booked 4,000 the channel never took)
        lineOf(seeded[4]!, 0),
        { channel_reference: 'X', end_to_end_id: 'dbt_nobody', direction: 'debit' as const, amount: 60, status: 'succeeded' as const, settled_at: null }, // missing_in_daikou
      ];
      const text = statementCsv(channel, DATE, entries);
      const first = await reconcile(ctx, { channelId: channel, businessDate: DATE, input: file(text), requestedBy: null });
      expect([first.matched, first.amount_mismatch, first.duplicate, first.status_mismatch, first.missing_in_statement, first.missing_in_daikou]).toEqual([2, 1, 1, 1, 1, 1]);
      const exceptions = (await store.listReconciliationExceptions({ reconciliationId: first.id, limit: 100 })).data;
      const byKind = new Map(exceptions.map((e) => [e.kind, e]));
      const before = await store.listLedgerAccounts();
      const balance = (rows: typeof before, id: string) => rows.find((row) => row.id === id)?.balance ?? 0;

      const adjusted = await resolveReconciliationException(ctx, { id: byKind.get('amount_mismatch')!.id, action: 'adjust', reason: 'the channel confirmed 15.00', actor: 'key_op' });
      expect([adjusted.status, adjusted.resolution_action, adjusted.resolved_by, adjusted.resolution_reason]).toEqual(['resolved', 'adjust', 'key_op', 'the channel confirmed 15.00']);
      expect(adjusted.ledger_transaction_id).not.toBeNull();
      await resolveReconciliationException(ctx, { id: byKind.get('duplicate')!.id, action: 'write_off', reason: 'refunded by the channel later', actor: 'key_op' });
      await resolveReconciliationException(ctx, { id: byKind.get('status_mismatch')!.id, action: 'adjust', reason: 'paid after all', actor: 'key_op' });
      await resolveReconciliationException(ctx, { id: byKind.get('missing_in_daikou')!.id, action: 'adjust', reason: 'to allocate', actor: 'key_op' });
      const accepted = await resolveReconciliationException(ctx, { id: byKind.get('missing_in_statement')!.id, action: 'accept', reason: 'in tomorrow\'s file', actor: 'key_op' });
      expect(accepted.ledger_transaction_id).toBeNull();
      const after = await store.listLedgerAccounts();
      expect(await trialBalance()).toBe(0);
      // clearing: +500 (amount) +2,000 (duplicate) −3,000 (payout paid) +60 (unknown collection)
      expect(balance(after, `channel:${channel}:clearing`) - balance(before, `channel:${channel}:clearing`)).toBe(500 + 2_000 - 3_000 + 60);
      expect(balance(after, 'merchant:mer_1:pending') - balance(before, 'merchant:mer_1:pending')).toBe(-500);
      expect(balance(after, 'merchant:mer_1:available') - balance(before, 'merchant:mer_1:available')).toBe(3_000);
      expect(balance(after, 'platform:write_off') - balance(before, 'platform:write_off')).toBe(-2_000);
      expect(balance(after, 'platform:reconciliation_suspense') - balance(before, 'platform:reconciliation_suspense')).toBe(-60);

      const again = resolveReconciliationException(ctx, { id: byKind.get('amount_mismatch')!.id, action: 'write_off', reason: 'twice', actor: 'key_op' });
      await expect(again).rejects.toBeInstanceOf(AppError);
      await expect(again).rejects.toMatchObject({ kind: 'exception_not_open' });

      // The same statement again: a second run; the first is superseded, the resolutions carry over.
      const second = await reconcile(ctx, { channelId: channel, businessDate: DATE, input: file(text), requestedBy: null });
      expect(second.status).toBe('completed');
      expect((await store.getReconciliation(first.id))!.status).toBe('superseded');
      const carried = (await store.listReconciliationExceptions({ reconciliationId: second.id, limit: 100 })).data;
      expect(carried.map((e) => e.status)).toEqual(carried.map(() => 'resolved'));
      expect(carried.find((e) => e.kind === 'amount_mismatch')!.ledger_transaction_id).toBe(adjusted.ledger_transaction_id);
      const unchanged = await store.listLedgerAccounts();
      expect(balance(unchanged, `channel:${channel}:clearing`)).toBe(balance(after, `channel:${channel}:clearing`));

      // A third run of a changed statement: only the new discrepancy is open; the old runs' open ones are superseded.
      const third = await reconcile(ctx, { channelId: channel, businessDate: DATE, input: file(statementCsv(channel, DATE, [...entries, lineOf(seeded[3]!, 0), { ...entries[5]!, end_to_end_id: 'dbt_other' }])), requestedBy: null });
      const open = await store.listReconciliationExceptions({ reconciliationId: third.id, status: 'open', limit: 100 });
      expect(open.data.map((e) => [e.kind, e.end_to_end_id])).toEqual([['missing_in_daikou', 'dbt_other']]);
      expect((await store.listReconciliations({ channelId: channel, status: 'completed', limit: 10 })).data.map((run) => run.id)).toEqual([third.id]);
    });

    it('reads a statement fetched from the channel as it streams in: lines are stored before its last chunk arrives', async () => {
      const channel = await freshChannel();
      // More lines than one load transaction takes (4 chunks of 5,000), none of them daikou's.
      const entries = Array.from({ length: 21_000 }, (_, i) => lineOf({ kind: 'debit', id: `dbt_${channel}_s${i}`, amount: 100, payerFee: 0, state: 'succeeded', recordedAt: at(DATE, 10) }, i + 1));
      const text = statementCsv(channel, DATE, entries);
      let chunks = 0;
      let storedBeforeLast: number | null = null;
      statements.set(`${channel}/${DATE}`, () =>
        chunked(text, async (index, last) => {
          chunks = index + 1;
          if (!last) return;
          const stored = await db.selectFrom('reconciliation_lines').select((eb) => eb.fn.countAll<number>().as('n')).where('end_to_end_id', 'like', `dbt_${channel}_s%`).executeTakeFirstOrThrow();
          storedBeforeLast = Number(stored.n);
        }),
      );
      const run = await reconcile(ctx, { channelId: channel, businessDate: DATE, input: { kind: 'channel' }, requestedBy: null });
      expect(run).toMatchObject({ status: 'completed', source: 'channel', format: 'csv', lines: 21_000, missing_in_daikou: 21_000 });
      expect(chunks).toBeGreaterThan(20);
      // Held whole, the document would have been read to its end before any line was parsed.
      expect(storedBeforeLast).toBe(20_000);
    });

    it('a statement fetched from the channel that breaks off fails the run channel_unreachable; camt.053 is told by its first character', async () => {
      const channel = await freshChannel();
      const entries = Array.from({ length: 2_000 }, (_, i) => lineOf({ kind: 'debit', id: `dbt_${channel}_b${i}`, amount: 100, payerFee: 0, state: 'succeeded', recordedAt: at(DATE, 10) }, i + 1));
      statements.set(`${channel}/${DATE}`, () => chunked(statementCsv(channel, DATE, entries), async (index) => {
        if (index > 0) throw new TypeError('terminated');
      }));
      const broken = await reconcile(ctx, { channelId: channel, businessDate: DATE, input: { kind: 'channel' }, requestedBy: null });
      expect(broken).toMatchObject({ status: 'failed', failure_code: 'channel_unreachable' });

      statements.set(`${channel}/${DATE}`, () => chunked(statementCamt053(channel, DATE, [])));
      const camt = await reconcile(ctx, { channelId: channel, businessDate: DATE, input: { kind: 'channel' }, requestedBy: null });
      expect(camt).toMatchObject({ status: 'completed', format: 'camt.053', lines: 0 });
    });

    it('the workers reconcile each channel\'s previous date once; a statement not ready waits', async () => {
      const channel = await freshChannel();
      const decided: SeededInstruction = { kind: 'debit', id: `dbt_${channel}_w`, amount: 900, payerFee: 0, state: 'succeeded', recordedAt: at(DATE, 11) };
      await seedInstructions(store, 'mer_1', channel, [decided]);
      const round1 = await reconcilePreviousDay(ctx);
      expect(round1.find((one) => one.channelId === channel)).toEqual({ channelId: channel, businessDate: DATE, outcome: 'not_ready' });
      expect((await store.listReconciliations({ channelId: channel, limit: 10 })).data).toEqual([]);
      statements.set(`${channel}/${DATE}`, () => chunked(statementCsv(channel, DATE, [lineOf(decided, 1)])));
      const round2 = await reconcilePreviousDay(ctx);
      expect(round2.find((one) => one.channelId === channel)?.outcome).toBe('completed');
      const round3 = await reconcilePreviousDay(ctx);
      expect(round3.find((one) => one.channelId === channel)).toBeUndefined();
      const runs = (await store.listReconciliations({ channelId: channel, limit: 10 })).data;
      expect(runs.map((run) => [run.source, run.status, run.matched])).toEqual([['channel', 'completed', 1]]);
    });
  });
}
