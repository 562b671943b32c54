import { invariant } from '../../core/index.js';
import { MANDATE_TERMS_COLUMNS, type MandateFilter, type MandateRow, type MandateTerms, type Page } from '../../app/ports.js';
import { MANDATES_TABLE } from '../tables.js';
import { page, selectArraysIn, selectIn, insertMany, inserted, type Executor, type StoreContext } from './shared.js';

/** Mandates and their monthly usage counters. */
export class Mandates {
  constructor(private readonly context: StoreContext) {}

  private get db(): Executor {
    return this.context.db;
  }

  async insertMandate(row: MandateRow): Promise<'inserted' | 'agreement_taken'> {
    const result = await this.db
      .insertInto('mandates')
      .values(row)
      .onConflict((oc) => oc.columns(['merchant_id', 'agreement_number']).doNothing())
      .executeTakeFirst();
    return inserted(result) ? 'inserted' : 'agreement_taken';
  }

  async insertMandates(rows: readonly MandateRow[]): Promise<void> {
    await insertMany(this.context, MANDATES_TABLE, rows);
  }

  async getMandate(id: string): Promise<MandateRow | null> {
    return (await this.db.selectFrom('mandates').selectAll().where('id', '=', id).executeTakeFirst()) ?? null;
  }

  async findMandateByAgreement(merchantId: string, agreementNumber: string): Promise<MandateRow | null> {
    const row = await this.db
      .selectFrom('mandates')
      .selectAll()
      .where('merchant_id', '=', merchantId)
      .where('agreement_number', '=', agreementNumber)
      .executeTakeFirst();
    return row ?? null;
  }

  async listMandates(filter: MandateFilter): Promise<Page<MandateRow>> {
    let query = this.db.selectFrom('mandates').selectAll();
    if (filter.merchantId) query = query.where('merchant_id', '=', filter.merchantId);
    if (filter.status) query = query.where('status', '=', filter.status);
    if (filter.accountIndex) query = query.where('account_index', '=', filter.accountIndex);
    if (filter.agreementNumber !== undefined) query = query.where('agreement_number', '=', filter.agreementNumber);
    if (filter.startingAfter) query = query.where('id', '<', filter.startingAfter);
    return page(await query.orderBy('id', 'desc').limit(filter.limit + 1).execute(), filter.limit);
  }

  async findMandatesByAccount(merchantId: string, accountIndex: string): Promise<MandateRow[]> {
    return this.db
      .selectFrom('mandates')
      .selectAll()
      .where('merchant_id', '=', merchantId)
      .where('account_index', '=', accountIndex)
      .orderBy('id', 'desc')
      .execute();
  }

  async revokeMandate(id: string, at: string): Promise<boolean> {
    const result = await this.db
      .updateTable('mandates')
      .set({ status: 'revoked', revoked_at: at })
      .where('id', '=', id)
      .where('status', '=', 'active')
      .executeTakeFirst();
    return result.numUpdatedRows === 1n;
  }

  async lockMandateUsage(mandateId: string, month: string): Promise<number> {
    await this.db
      .insertInto('mandate_usage')
      .values({ mandate_id: mandateId, month, amount: 0 })
      .onConflict((oc) => oc.columns(['mandate_id', 'month']).doNothing())
      .execute();
    const query = this.db
      .selectFrom('mandate_usage')
      .select('amount')
      .where('mandate_id', '=', mandateId)
      .where('month', '=', month);
    const row = await this.context.dialect.lockRows(query).executeTakeFirstOrThrow();
    return row.amount;
  }

  async addMandateUsage(mandateId: string, month: string, deltaFen: number): Promise<void> {
    if (deltaFen < 0) {
      // A release gives back room taken earlier, so its row exists: an update. (An upsert would
      // offer the database a new row of a negative amount, which the CHECK of migration 011
      // refuses before the conflict turns it into an update.)
      await this.db.updateTable('mandate_usage').set({ amount: (eb) => eb('amount', '+', deltaFen) }).where('mandate_id', '=', mandateId).where('month', '=', month).execute();
      return;
    }
    await this.db
      .insertInto('mandate_usage')
      .values({ mandate_id: mandateId, month, amount: deltaFen })
      .onConflict((oc) =>
        oc.columns(['mandate_id', 'month']).doUpdateSet({ amount: (eb) => eb('mandate_usage.amount', '+', deltaFen) }),
      )
      .execute();
  }

  /** Read as arrays and built here, in one shape: a batch reads one per row. */
  async getMandateTerms(ids: readonly string[]): Promise<MandateTerms[]> {
    return (await selectArraysIn(this.context, `select ${MANDATE_TERMS_COLUMNS.join(', ')} from mandates where id`, [], ids)).map(termsOf);
  }

  findMandateIdsByAgreements(merchantId: string, agreementNumbers: readonly string[]): Promise<Pick<MandateRow, 'id' | 'agreement_number'>[]> {
    return selectIn(this.context, 'select id, agreement_number from mandates where merchant_id = $1 and agreement_number', [merchantId], agreementNumbers);
  }

  async findMandatesByAccounts(merchantId: string, accountIndexes: readonly string[]): Promise<MandateRow[]> {
    const rows = await selectIn<MandateRow>(this.context, 'select * from mandates where merchant_id = $1 and account_index', [merchantId], accountIndexes);
    return rows.sort((a, b) => (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
  }
}

/** A row of MANDATE_TERMS_COLUMNS, in their order, as MandateTerms (checked below, once). */
function termsOf(values: readonly unknown[]): MandateTerms {
  type T = MandateTerms;
  return {
    id: values[0] as T['id'],
    merchant_id: values[1] as T['merchant_id'],
    status: values[2] as T['status'],
    valid_from: values[3] as T['valid_from'],
    valid_until: values[4] as T['valid_until'],
    per_debit_max: values[5] as T['per_debit_max'],
    monthly_max: values[6] as T['monthly_max'],
    account_index: values[7] as T['account_index'],
    account_kind: values[8] as T['account_kind'],
    medium: values[9] as T['medium'],
    bank_code: values[10] as T['bank_code'],
    region_code: values[11] as T['region_code'],
    holder_name: values[12] as T['holder_name'],
    id_number_index: values[13] as T['id_number_index'],
    phone_index: values[14] as T['phone_index'],
  };
}

// termsOf of the column names themselves gives each member its own name only if both lists keep one order.
const namesRead = termsOf(MANDATE_TERMS_COLUMNS) as Record<string, unknown>;
invariant(MANDATE_TERMS_COLUMNS.every((column) => namesRead[column] === column) && Object.keys(namesRead).length === MANDATE_TERMS_COLUMNS.length, 'termsOf does not follow MANDATE_TERMS_COLUMNS');
