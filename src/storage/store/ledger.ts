import { sql } from 'kysely';
import { invariant } from '../../core/index.js';
import type { LedgerAccountRow, LedgerEntry } from '../../app/ports.js';
import { LEDGER_ACCOUNTS_TABLE, LEDGER_TRANSACTIONS_TABLE, POSTINGS_TABLE } from '../tables.js';
import { insertNew, insertMany, type Executor, type StoreContext } from './shared.js';

/** Ledger transactions, postings and account balances. */
export class Ledger {
  constructor(private readonly context: StoreContext) {}

  private get db(): Executor {
    return this.context.db;
  }

  async postLedgerTransactions(entries: readonly LedgerEntry[]): Promise<Set<string>> {
    return this.#post(entries, null);
  }

  async postGuardedLedgerTransaction(entry: LedgerEntry, guarded: string): Promise<'posted' | 'insufficient_balance'> {
    const ids = entry.transaction.postings.map((posting) => posting.account.id);
    const delta = entry.transaction.postings.filter((posting) => posting.account.id === guarded).reduce((sum, posting) => sum + posting.amountFen, 0);
    invariant(delta > 0 && ids.every((id) => id >= guarded), `a guarded posting draws on ${guarded}, the lowest account it moves`);
    // The check and the move in one statement: a concurrent poster waits on the row and is
    // checked against the balance this one left (PostgreSQL re-evaluates the WHERE on the new row).
    const result = await this.db
      .updateTable('ledger_accounts')
      .set({ balance: (eb) => eb('balance', '+', delta) })
      .where('id', '=', guarded)
      .where((eb) => eb(eb('balance', '+', delta), '<=', 0))
      .executeTakeFirst();
    if (result.numUpdatedRows !== 1n) return 'insufficient_balance';
    const posted = await this.#post([entry], guarded);
    invariant(posted.has(entry.id), `ledger transaction ${entry.transaction.kind} for ${entry.transaction.refId} was posted before`);
    return 'posted';
  }

  /** `guarded`: an account whose balance the caller has moved already. */
  async #post(entries: readonly LedgerEntry[], guarded: string | null): Promise<Set<string>> {
    const posted = await insertNew(
      this.context,
      LEDGER_TRANSACTIONS_TABLE,
      entries.map(({ id, transaction, at, businessDate }) => ({ id, kind: transaction.kind, ref_type: transaction.refType, ref_id: transaction.refId, at, business_date: businessDate })),
    );
    const accounts = new Map<string, LedgerAccountRow>();
    const postings: { transaction_id: string; line: number; account_id: string; amount: number }[] = [];
    const deltas = new Map<string, number>();
    for (const { id, transaction, at } of entries) {
      if (!posted.has(id)) continue;
      transaction.postings.forEach((posting, index) => {
        const account = posting.account;
        if (!accounts.has(account.id)) accounts.set(account.id, { id: account.id, owner_type: account.ownerType, owner_id: account.ownerId, kind: account.kind, balance: 0, created_at: at });
        postings.push({ transaction_id: id, line: index + 1, account_id: account.id, amount: posting.amountFen });
        deltas.set(account.id, (deltas.get(account.id) ?? 0) + posting.amountFen);
      });
    }
    await insertNew(this.context, LEDGER_ACCOUNTS_TABLE, [...accounts.values()]);
    await insertMany(this.context, POSTINGS_TABLE, postings);
    // One update per account however many postings, in id order, so that concurrent posters
    // lock shared accounts in the same order and cannot deadlock.
    for (const [account, delta] of [...deltas].sort(([a], [b]) => (a < b ? -1 : 1))) {
      if (delta === 0 || account === guarded) continue;
      await this.db.updateTable('ledger_accounts').set({ balance: (eb) => eb('balance', '+', delta) }).where('id', '=', account).execute();
    }
    return posted;
  }

  async lockLedgerBalance(accountId: string): Promise<number> {
    const row = await this.context.dialect.lockRows(this.db.selectFrom('ledger_accounts').select('balance').where('id', '=', accountId)).executeTakeFirst();
    return row?.balance ?? 0;
  }

  async listLedgerAccounts(ownerType?: string, ownerId?: string): Promise<LedgerAccountRow[]> {
    let query = this.db.selectFrom('ledger_accounts').selectAll();
    if (ownerType) query = query.where('owner_type', '=', ownerType);
    if (ownerId) query = query.where('owner_id', '=', ownerId);
    return query.orderBy('id').execute();
  }

  async findUnbalancedLedgerAccounts(): Promise<{ id: string; balance: number; postings: number }[]> {
    const rows = await this.db
      .selectFrom('ledger_accounts as a')
      .leftJoin('postings as p', 'p.account_id', 'a.id')
      .select(['a.id', 'a.balance', sql<number>`cast(coalesce(sum(p.amount), 0) as bigint)`.as('postings')])
      .groupBy(['a.id', 'a.balance'])
      .execute();
    return rows
      .map((row) => ({ id: row.id, balance: Number(row.balance), postings: Number(row.postings) }))
      .filter((row) => row.balance !== row.postings);
  }
}
