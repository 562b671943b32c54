import { AsyncLocalStorage } from 'node:async_hooks';
import { CompiledQuery, sql, type Kysely, type Transaction } from 'kysely';
import { invariant, isIssued, OPEN_ATTEMPT_STATES, type AttemptChange, type BatchStatus, type InstructionChange } from '../core/index.js';
import type {
  ApiKeyRow,
  AttemptPatch,
  AttemptRow,
  ChannelRow,
  ClaimedDebit,
  DebitEventRow,
  DebitFilter,
  DebitPatch,
  DebitRow,
  IdempotencyRow,
  LedgerAccountRow,
  LedgerEntry,
  MandateFilter,
  MandateRow,
  MandateTerms,
  MerchantRow,
  Page,
  PageRequest,
  BatchReportLine,
  BatchRow,
  BatchRowResult,
  FeePlanRow,
  MarginRow,
  RuleRow,
  SimulationCursor,
  SimulationRow,
  Store,
  StoreTx,
} from '../app/ports.js';
import { MANDATE_TERMS_COLUMNS, UniqueViolation } from '../app/ports.js';
import {
  ATTEMPTS_TABLE,
  BATCH_ROWS_TABLE,
  bulkInsertQueries,
  columnArrays,
  DEBIT_EVENTS_TABLE,
  DEBITS_TABLE,
  insertRowsSqlite,
  insertText,
  LEDGER_ACCOUNTS_TABLE,
  LEDGER_TRANSACTIONS_TABLE,
  MANDATES_TABLE,
  POSTINGS_TABLE,
  preparedOn, type BulkTable, type SQLiteConnection } from './bulk.js';
import { isUniqueViolation, openDatabase, type DatabaseConfig, type DatabaseHandle, type Engine } from './database.js';
import type { Database } from './schema.js';

type Executor = Kysely<Database> | Transaction<Database>;

function page<T extends { id: string }>(rows: T[], limit: number): Page<T> {
  return { data: rows.slice(0, limit), hasMore: rows.length > limit };
}

/**
 * Conditions that select a partial index (pending debits, open attempts, live references) are
 * written with literals, not parameters: SQLite uses a partial index only when it can prove the
 * index's WHERE from the query's text.
 *
 * The store on Kysely: one implementation for SQLite and PostgreSQL. Where the engines differ
 * (row locks), `engine` decides; SQLite has one writer, so its transactions are serial anyway.
 */
class KyselyStoreTx implements StoreTx {
  readonly #executor: Executor;
  constructor(
    executor: Executor,
    readonly engine: Engine,
    /** SQLite's connection, given only to transactions: they hold it, so raw statements join them. */
    private readonly sqlite?: SQLiteConnection,
  ) {
    this.#executor = executor;
  }

  protected get db(): Executor {
    return this.#executor;
  }

  async getSetting(key: string): Promise<string | null> {
    const row = await this.db.selectFrom('settings').select('value').where('key', '=', key).executeTakeFirst();
    return row?.value ?? null;
  }

  async putSetting(key: string, value: string): Promise<void> {
    await this.db
      .insertInto('settings')
      .values({ key, value })
      .onConflict((oc) => oc.column('key').doUpdateSet({ value }))
      .execute();
  }

  async insertApiKey(row: ApiKeyRow): Promise<void> {
    await this.db.insertInto('api_keys').values(row).execute();
  }

  async findApiKeyByHash(hash: string): Promise<ApiKeyRow | null> {
    return (await this.db.selectFrom('api_keys').selectAll().where('key_hash', '=', hash).executeTakeFirst()) ?? null;
  }

  async countOperatorKeys(): Promise<number> {
    const row = await this.db
      .selectFrom('api_keys')
      .select((eb) => eb.fn.countAll<number>().as('count'))
      .where('merchant_id', 'is', null)
      .where('revoked_at', 'is', null)
      .executeTakeFirstOrThrow();
    return Number(row.count);
  }

  async getApiKey(id: string): Promise<ApiKeyRow | null> {
    return (await this.db.selectFrom('api_keys').selectAll().where('id', '=', id).executeTakeFirst()) ?? null;
  }

  async listApiKeys(filter: PageRequest & { merchantId: string | null }): Promise<Page<ApiKeyRow>> {
    let query = this.db.selectFrom('api_keys').selectAll();
    query = filter.merchantId === null ? query.where('merchant_id', 'is', null) : query.where('merchant_id', '=', filter.merchantId);
    if (filter.startingAfter) query = query.where('id', '<', filter.startingAfter);
    return page(await query.orderBy('id', 'desc').limit(filter.limit + 1).execute(), filter.limit);
  }

  async revokeApiKey(id: string, at: string): Promise<boolean> {
    const result = await this.db.updateTable('api_keys').set({ revoked_at: at }).where('id', '=', id).where('revoked_at', 'is', null).executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async revokeOperatorKeysExcept(keepId: string, at: string): Promise<number> {
    const result = await this.db
      .updateTable('api_keys')
      .set({ revoked_at: at })
      .where('merchant_id', 'is', null)
      .where('revoked_at', 'is', null)
      .where('id', '!=', keepId)
      .executeTakeFirst();
    return Number(result.numUpdatedRows);
  }

  async insertMerchant(row: MerchantRow): Promise<void> {
    await this.db.insertInto('merchants').values(row).execute();
  }

  async getMerchant(id: string): Promise<MerchantRow | null> {
    return (await this.db.selectFrom('merchants').selectAll().where('id', '=', id).executeTakeFirst()) ?? null;
  }

  async updateMerchantPlans(id: string, feePlan: string, payerFeePlan: string | null): Promise<void> {
    await this.db.updateTable('merchants').set({ fee_plan: feePlan, payer_fee_plan: payerFeePlan }).where('id', '=', id).execute();
  }

  async listMerchants(request: PageRequest): Promise<Page<MerchantRow>> {
    let query = this.db.selectFrom('merchants').selectAll();
    if (request.startingAfter) query = query.where('id', '<', request.startingAfter);
    return page(await query.orderBy('id', 'desc').limit(request.limit + 1).execute(), request.limit);
  }

  async insertMandate(row: MandateRow): Promise<void> {
    await this.db.insertInto('mandates').values(row).execute();
  }
  async insertMandates(rows: readonly MandateRow[]): Promise<void> {
    await this.#insertMany(MANDATES_TABLE, rows);
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
    let query = this.db
      .selectFrom('mandate_usage')
      .select('amount')
      .where('mandate_id', '=', mandateId)
      .where('month', '=', month);
    if (this.engine === 'postgres') query = query.forUpdate();
    const row = await query.executeTakeFirstOrThrow();
    return row.amount;
  }

  async addMandateUsage(mandateId: string, month: string, deltaFen: number): Promise<void> {
    await this.db
      .insertInto('mandate_usage')
      .values({ mandate_id: mandateId, month, amount: deltaFen })
      .onConflict((oc) =>
        oc.columns(['mandate_id', 'month']).doUpdateSet({ amount: (eb) => eb('mandate_usage.amount', '+', deltaFen) }),
      )
      .execute();
  }

  async upsertChannel(row: ChannelRow): Promise<void> {
    const { id: _id, created_at: _createdAt, ...rest } = row;
    await this.db
      .insertInto('channels')
      .values(row)
      .onConflict((oc) => oc.column('id').doUpdateSet(rest))
      .execute();
  }

  async listChannels(): Promise<ChannelRow[]> {
    return this.db.selectFrom('channels').selectAll().orderBy('priority').orderBy('id').execute();
  }

  async getChannel(id: string): Promise<ChannelRow | null> {
    return (await this.db.selectFrom('channels').selectAll().where('id', '=', id).executeTakeFirst()) ?? null;
  }

  async insertBatch(row: BatchRow): Promise<void> {
    await this.db.insertInto('batches').values(row).execute();
  }

  async getBatch(id: string): Promise<BatchRow | null> {
    return (await this.db.selectFrom('batches').selectAll().where('id', '=', id).executeTakeFirst()) ?? null;
  }

  async findBatchByFile(merchantId: string, sha256: string): Promise<BatchRow | null> {
    const row = await this.db.selectFrom('batches').selectAll().where('merchant_id', '=', merchantId).where('file_sha256', '=', sha256).executeTakeFirst();
    return row ?? null;
  }

  async listBatches(filter: PageRequest & { merchantId?: string | undefined; status?: BatchStatus | undefined }): Promise<Page<BatchRow>> {
    let query = this.db.selectFrom('batches').selectAll();
    if (filter.merchantId) query = query.where('merchant_id', '=', filter.merchantId);
    if (filter.status !== undefined) query = query.where('status', '=', filter.status);
    if (filter.startingAfter) query = query.where('id', '<', filter.startingAfter);
    return page(await query.orderBy('id', 'desc').limit(filter.limit + 1).execute(), filter.limit);
  }

  async listProcessingBatches(): Promise<BatchRow[]> {
    return this.db.selectFrom('batches').selectAll().where('status', '=', sql.lit('processing')).orderBy('created_at').execute();
  }

  async advanceBatch(id: string, fromCursor: number, patch: Pick<BatchRow, 'cursor' | 'rows' | 'accepted' | 'rejected'>): Promise<boolean> {
    const result = await this.db.updateTable('batches').set(patch).where('id', '=', id).where('cursor', '=', fromCursor).where('status', '=', 'processing').executeTakeFirst();
    return result.numUpdatedRows === 1n;
  }

  async listDueBatches(now: string, limit: number): Promise<BatchRow[]> {
    return this.db
      .selectFrom('batches')
      .selectAll()
      .where('status', '=', sql.lit('processing'))
      .where((eb) => eb.or([eb('next_attempt_at', 'is', null), eb('next_attempt_at', '<=', now)]))
      .orderBy('created_at')
      .orderBy('id')
      .limit(limit)
      .execute();
  }

  async scheduleBatchRetry(id: string, attempts: number, nextAttemptAt: string): Promise<void> {
    await this.db.updateTable('batches').set({ attempts, next_attempt_at: nextAttemptAt }).where('id', '=', id).where('status', '=', 'processing').execute();
  }

  async sumBatchBytesHeld(merchantId: string): Promise<number> {
    const row = await this.db
      .selectFrom('batches')
      .select((eb) => eb.fn.coalesce(eb.fn.sum<number | string>('file_bytes'), sql<number>`0`).as('bytes'))
      .where('merchant_id', '=', merchantId)
      .where('status', '=', sql.lit('processing'))
      .executeTakeFirstOrThrow();
    return Number(row.bytes);
  }

  async finishBatch(id: string, status: 'completed' | 'failed', at: string, error: string | null): Promise<boolean> {
    const result = await this.db.updateTable('batches').set({ status, completed_at: at, error }).where('id', '=', id).where('status', '=', 'processing').executeTakeFirst();
    return result.numUpdatedRows === 1n;
  }

  async insertBatchRows(rows: BatchRowResult[]): Promise<void> {
    await this.#insertMany(BATCH_ROWS_TABLE, rows);
  }

  async listBatchReport(batchId: string, afterRow: number, limit: number): Promise<BatchReportLine[]> {
    return this.db
      .selectFrom('batch_rows as r')
      .leftJoin('debits as d', 'd.id', 'r.debit_id')
      .selectAll('r')
      .select(['d.status as debit_status', 'd.failure_code', 'd.failure_message'])
      .where('r.batch_id', '=', batchId)
      .where('r.row', '>', afterRow)
      .orderBy('r.row')
      .limit(limit)
      .execute();
  }

  async countBatchDebits(batchId: string): Promise<Record<string, number>> {
    const rows = await this.db
      .selectFrom('debits')
      .select(['status', (eb) => eb.fn.countAll<number>().as('count')])
      .where('batch_id', '=', batchId)
      .groupBy('status')
      .execute();
    return Object.fromEntries(rows.map((row) => [row.status, Number(row.count)]));
  }

  async insertFeePlanVersion(row: FeePlanRow): Promise<void> {
    await this.db.insertInto('fee_plans').values(row).execute();
  }

  async listFeePlans(): Promise<FeePlanRow[]> {
    return this.db.selectFrom('fee_plans').selectAll().orderBy('id').orderBy('version').execute();
  }

  async lockAllowanceUsage(planId: string, subject: string, month: string): Promise<number> {
    await this.db
      .insertInto('allowance_usage')
      .values({ plan_id: planId, subject, month, amount: 0 })
      .onConflict((oc) => oc.columns(['plan_id', 'subject', 'month']).doNothing())
      .execute();
    let query = this.db
      .selectFrom('allowance_usage')
      .select('amount')
      .where('plan_id', '=', planId)
      .where('subject', '=', subject)
      .where('month', '=', month);
    if (this.engine === 'postgres') query = query.forUpdate();
    return (await query.executeTakeFirstOrThrow()).amount;
  }

  async addAllowanceUsage(planId: string, subject: string, month: string, deltaFen: number): Promise<void> {
    await this.db
      .insertInto('allowance_usage')
      .values({ plan_id: planId, subject, month, amount: deltaFen })
      .onConflict((oc) => oc.columns(['plan_id', 'subject', 'month']).doUpdateSet({ amount: (eb) => eb('allowance_usage.amount', '+', deltaFen) }))
      .execute();
  }

  async marginReport(from: string, to: string, merchantId?: string): Promise<MarginRow[]> {
    const sumOf = (account: string) => sql<number>`cast(coalesce(sum(case when p.account_id = ${account} then -p.amount else 0 end), 0) as bigint)`;
    let query = this.db
      .selectFrom('ledger_transactions as t')
      .innerJoin('postings as p', 'p.transaction_id', 't.id')
      .innerJoin('debits as d', 'd.id', 't.ref_id')
      .select([
        'd.merchant_id',
        'd.channel_id',
        't.business_date',
        sql<number>`count(distinct t.id)`.as('debits'),
        sumOf('platform:fee_revenue').as('fee_revenue'),
        sumOf('platform:payer_fee_revenue').as('payer_fee_revenue'),
        sql<number>`cast(coalesce(sum(case when p.account_id = 'platform:channel_cost' then p.amount else 0 end), 0) as bigint)`.as('channel_cost'),
      ])
      .where('t.ref_type', '=', 'debit')
      .where('t.business_date', '>=', from)
      .where('t.business_date', '<=', to);
    if (merchantId !== undefined) query = query.where('d.merchant_id', '=', merchantId);
    const rows = await query.groupBy(['d.merchant_id', 'd.channel_id', 't.business_date']).orderBy('t.business_date').orderBy('d.merchant_id').orderBy('d.channel_id').execute();
    return rows.map((row) => ({
      merchant_id: row.merchant_id,
      channel_id: row.channel_id ?? 'none',
      business_date: row.business_date ?? '',
      debits: Number(row.debits),
      fee_revenue: Number(row.fee_revenue),
      payer_fee_revenue: Number(row.payer_fee_revenue),
      channel_cost: Number(row.channel_cost),
    }));
  }

  async insertRuleVersion(row: RuleRow): Promise<void> {
    await this.db.insertInto('routing_rules').values(row).execute();
  }

  async listRuleVersions(id: string): Promise<RuleRow[]> {
    return this.db.selectFrom('routing_rules').selectAll().where('id', '=', id).orderBy('version').execute();
  }

  async listCurrentRules(): Promise<RuleRow[]> {
    return this.db
      .selectFrom('routing_rules as r')
      .selectAll('r')
      .where('r.version', '=', (eb) => eb.selectFrom('routing_rules as n').select((e) => e.fn.max('n.version').as('v')).whereRef('n.id', '=', 'r.id'))
      .orderBy('r.id')
      .execute();
  }

  async listSimulationRows(from: string, to: string, after: SimulationCursor | null, limit: number): Promise<SimulationRow[]> {
    let query = this.db
      .selectFrom('debits as d')
      .innerJoin('merchants as m', 'm.id', 'd.merchant_id')
      .innerJoin('mandates as a', 'a.id', 'd.mandate_id')
      .select([
        'd.id',
        'd.merchant_id',
        'd.amount',
        'd.business_date',
        'd.channel_id',
        'd.channel_cost',
        'd.status',
        'd.failure_code',
        'm.category',
        'm.settlement_region_code',
        'a.account_kind',
        'a.medium',
        'a.bank_code',
        'a.region_code',
      ])
      .where('d.business_date', '<=', to);
    // Later pages seek on the page key alone: with the `>= from` bound too, SQLite would seek on it.
    query =
      after === null
        ? query.where('d.business_date', '>=', from)
        : query.where((eb) => eb(eb.refTuple('d.business_date', 'd.id'), '>', eb.tuple(after.business_date, after.id)));
    return query.orderBy('d.business_date').orderBy('d.id').limit(limit).execute();
  }

  async insertDebit(row: DebitRow): Promise<void> {
    await this.db.insertInto('debits').values(row).execute();
  }

  async insertDebits(rows: readonly DebitRow[]): Promise<void> {
    await this.#insertMany(DEBITS_TABLE, rows);
  }

  async insertDebitEvents(rows: readonly DebitEventRow[]): Promise<void> {
    await this.#insertMany(DEBIT_EVENTS_TABLE, rows);
  }

  async insertAttempts(rows: readonly AttemptRow[]): Promise<void> {
    await this.#insertMany(ATTEMPTS_TABLE, rows);
  }

  async updateAttempts(updates: readonly { id: string; patch: AttemptPatch }[], change: AttemptChange, owner: string, at: string): Promise<AttemptRow[]> {
    assertIssued(change);
    // The states come from the table's closed list, never from input.
    const states = change.from.map((state) => `'${state}'`).join(', ');
    const to = change.to;
    const rows = to === null ? updates : updates.map(({ id, patch }) => ({ id, patch: { ...patch, state: to } }));
    return this.#updateMany(ATTEMPTS_TABLE, rows, at, { text: (param, t) => `${t}state in (${states}) and ${t}lease_owner = ${param(0)}`, parameters: [owner] });
  }

  async updateDebits(updates: readonly { id: string; patch: DebitPatch }[], change: InstructionChange, at: string): Promise<DebitRow[]> {
    assertIssued(change);
    const to = change.to;
    const rows = to === null ? updates : updates.map(({ id, patch }) => ({ id, patch: { ...patch, status: to } }));
    return this.#updateMany(DEBITS_TABLE, rows, at, {
      // One status: `=`, as before the table. Several on PostgreSQL: `= any(array)` — an `in ($k, $k+1)`
      // list made the planner take a worse plan (completion 1.7k → 1.0k debits/s at 100k rows).
      text: (param, t) =>
        change.from.length === 1 ? `${t}status = ${param(0)}` : this.engine === 'postgres' ? `${t}status = any(${param(0)}::text[])` : `${t}status in (${change.from.map((_, index) => param(index)).join(', ')})`,
      parameters: change.from.length > 1 && this.engine === 'postgres' ? [change.from] : change.from,
    });
  }

  /**
   * Applies each row's patch where the row still passes `fence`, and returns the rows changed, as
   * they are now. Rows whose patches set the same columns go in one statement on PostgreSQL
   * (an UPDATE … FROM unnest(…)); on SQLite in a transaction, one prepared statement runs per row.
   */
  async #updateMany<Row extends { id: string }>(
    table: BulkTable<Row>,
    updates: readonly { id: string; patch: Partial<Row> }[],
    at: string,
    fence: { text: (param: (index: number) => string, qualifier: string) => string; parameters: readonly unknown[] },
  ): Promise<Row[]> {
    const changed: Row[] = [];
    const shapes = new Map<string, { columns: (keyof Row & string)[]; updates: { id: string; patch: Partial<Row> }[] }>();
    for (const update of updates) {
      const columns = (Object.keys(update.patch) as (keyof Row & string)[]).filter((column) => update.patch[column] !== undefined).sort();
      const key = columns.join(',');
      const shape = shapes.get(key) ?? { columns, updates: [] };
      shape.updates.push(update);
      shapes.set(key, shape);
    }
    for (const { columns, updates: group } of shapes.values()) {
      if (this.engine === 'postgres') {
        const type = (column: string) => table.columns.find((c) => c.name === column)!.type;
        const sets = [...columns.map((column) => `"${column}" = v."${column}"`), `updated_at = $1`].join(', ');
        const arrays = ['id', ...columns].map((column, index) => `$${index + 2}::${column === 'id' ? 'text' : type(column)}[]`).join(', ');
        const names = ['id', ...columns].map((column) => `"${column}"`).join(', ');
        const first = columns.length + 3;
        // `t.id = any($2)` as well as the join: it lets the planner see that only these rows are
        // touched and take them by primary key. Without it, a fence on a column whose statistics
        // say it is rare (status = 'submitted' right after a bulk load) can make it drive from a
        // scan of the whole table, joining each row against the array: seconds, not milliseconds.
        const text = `update "${table.name}" as t set ${sets} from unnest(${arrays}) as v(${names}) where t.id = any($2::text[]) and t.id = v.id and ${fence.text((index) => `$${first + index}`, 't.')} returning t.*`;
        const parameters = [at, group.map((update) => update.id), ...columns.map((column) => group.map((update) => update.patch[column] ?? null)), ...fence.parameters];
        changed.push(...(await this.db.executeQuery<Row>(CompiledQuery.raw(text, parameters))).rows);
        continue;
      }
      const text = `update "${table.name}" set ${[...columns, 'updated_at'].map((column) => `"${column}" = ?`).join(', ')} where id = ? and ${fence.text(() => '?', '')} returning *`;
      for (const update of group) {
        const parameters = [...columns.map((column) => update.patch[column] ?? null), at, update.id, ...fence.parameters];
        const row = this.sqlite !== undefined ? (preparedOn(this.sqlite, text).get(parameters) as Row | undefined) : (await this.db.executeQuery<Row>(CompiledQuery.raw(text, parameters))).rows[0];
        if (row !== undefined) changed.push(row);
      }
    }
    return changed;
  }

  /** Inserts the rows that do not conflict with existing ones; returns the ids of those inserted. */
  async #insertNew<Row extends { id: string }>(table: BulkTable<Row>, rows: readonly Row[]): Promise<Set<string>> {
    const inserted = new Set<string>();
    if (rows.length === 0) return inserted;
    const generic = table as unknown as BulkTable<never>;
    const tail = ' on conflict do nothing returning id';
    if (this.engine === 'postgres') {
      const query = CompiledQuery.raw(insertText('postgres', generic, rows.length, tail), columnArrays(table, rows));
      for (const row of (await this.db.executeQuery<{ id: string }>(query)).rows) inserted.add(row.id);
      return inserted;
    }
    const text = insertText('sqlite', generic, 1, tail);
    for (const row of rows) {
      const values = table.values(row);
      const added = this.sqlite !== undefined ? (preparedOn(this.sqlite, text).get(values) as { id: string } | undefined) : (await this.db.executeQuery<{ id: string }>(CompiledQuery.raw(text, values))).rows[0];
      if (added !== undefined) inserted.add(added.id);
    }
    return inserted;
  }

  async #insertMany<Row>(table: BulkTable<Row>, rows: readonly Row[]): Promise<void> {
    if (this.sqlite !== undefined) {
      insertRowsSqlite(this.sqlite, table, rows);
      return;
    }
    for (const query of bulkInsertQueries(this.engine, table, rows)) await this.db.executeQuery(query);
  }

  async findLiveReferences(merchantId: string, references: readonly string[]): Promise<Set<string>> {
    const rows = await this.#selectIn<{ reference: string }>(`select reference from debits where merchant_id = $1 and status <> 'rejected' and reference`, [merchantId], references);
    return new Set(rows.map((row) => row.reference));
  }

  getMandateTerms(ids: readonly string[]): Promise<MandateTerms[]> {
    return this.#selectIn<MandateTerms>(`select ${MANDATE_TERMS_COLUMNS.join(', ')} from mandates where id`, [], ids);
  }

  findMandateIdsByAgreements(merchantId: string, agreementNumbers: readonly string[]): Promise<Pick<MandateRow, 'id' | 'agreement_number'>[]> {
    return this.#selectIn('select id, agreement_number from mandates where merchant_id = $1 and agreement_number', [merchantId], agreementNumbers);
  }

  async findMandatesByAccounts(merchantId: string, accountIndexes: readonly string[]): Promise<MandateRow[]> {
    const rows = await this.#selectIn<MandateRow>('select * from mandates where merchant_id = $1 and account_index', [merchantId], accountIndexes);
    return rows.sort((a, b) => (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
  }

  /**
   * `${head} in (the list)` as one statement whose text does not depend on the list's length,
   * so that it is prepared once: the list travels as one JSON parameter on SQLite and as one
   * array on PostgreSQL. `head` numbers its own parameters $1, $2, …
   */
  async #selectIn<Row>(head: string, parameters: readonly unknown[], list: readonly string[]): Promise<Row[]> {
    if (list.length === 0) return [];
    const position = parameters.length + 1;
    const text =
      this.engine === 'postgres'
        ? `${head} = any($${position}::text[])`
        : `${head.replace(/\$\d+/g, '?')} in (select value from json_each(?))`;
    const values = this.engine === 'postgres' ? [...list] : JSON.stringify(list);
    return (await this.db.executeQuery<Row>(CompiledQuery.raw(text, [...parameters, values]))).rows;
  }

  async getDebit(id: string): Promise<DebitRow | null> {
    return (await this.db.selectFrom('debits').selectAll().where('id', '=', id).executeTakeFirst()) ?? null;
  }

  async listDebits(filter: DebitFilter): Promise<Page<DebitRow>> {
    let query = this.db.selectFrom('debits').selectAll();
    if (filter.merchantId) query = query.where('merchant_id', '=', filter.merchantId);
    if (filter.status) query = query.where('status', '=', filter.status);
    if (filter.reference) query = query.where('reference', '=', filter.reference);
    if (filter.mandateId) query = query.where('mandate_id', '=', filter.mandateId);
    if (filter.channelId) query = query.where('channel_id', '=', filter.channelId);
    if (filter.batchId) query = query.where('batch_id', '=', filter.batchId);
    if (filter.createdFrom) query = query.where('created_at', '>=', filter.createdFrom);
    if (filter.createdTo) query = query.where('created_at', '<', filter.createdTo);
    if (filter.startingAfter) query = query.where('id', '<', filter.startingAfter);
    return page(await query.orderBy('id', 'desc').limit(filter.limit + 1).execute(), filter.limit);
  }

  async findLiveDebitByReference(merchantId: string, reference: string): Promise<DebitRow | null> {
    const row = await this.db
      .selectFrom('debits')
      .selectAll()
      .where('merchant_id', '=', merchantId)
      .where('reference', '=', reference)
      .where('status', '<>', sql.lit('rejected'))
      .executeTakeFirst();
    return row ?? null;
  }

  async updateDebit(id: string, change: InstructionChange, patch: DebitPatch, at: string): Promise<boolean> {
    assertIssued(change);
    const result = await this.db
      .updateTable('debits')
      .set({ ...patch, ...(change.to === null ? {} : { status: change.to }), updated_at: at })
      .where('id', '=', id)
      .where('status', 'in', change.from)
      .executeTakeFirst();
    return result.numUpdatedRows === 1n;
  }

  async claimPendingDebits(claim: InstructionChange, now: string, limit: number): Promise<ClaimedDebit[]> {
    assertIssued(claim);
    const [from] = claim.from;
    invariant(claim.from.length === 1 && from !== undefined && claim.to !== null, 'a claim moves debits out of one status into another');
    // The candidates are chosen once, in a materialized CTE: PostgreSQL may re-run a LIMIT … SKIP
    // LOCKED subquery inside IN (…) and so claim more rows than asked.
    const claimed = await this.db
      .with(
        (cte) => cte('due').materialized(),
        (db) => {
          let due = db
            .selectFrom('debits')
            .select('id')
            .where('status', '=', sql.lit(from))
            .where('next_action_at', '<=', now)
            .orderBy('next_action_at')
            .limit(limit);
          if (this.engine === 'postgres') due = due.forUpdate().skipLocked();
          return due;
        },
      )
      .updateTable('debits')
      .set({
        status: claim.to,
        attempt_count: (eb) => eb('attempt_count', '+', 1),
        next_action_at: null,
        updated_at: now,
      })
      .where('id', 'in', (eb) => eb.selectFrom('due').select('due.id'))
      .where('status', '=', from)
      .returningAll()
      .execute();
    if (claimed.length === 0) return [];
    const mandateIds = [...new Set(claimed.map((debit) => debit.mandate_id).filter((id): id is string => id !== null))];
    const mandates = await this.db.selectFrom('mandates').selectAll().where('id', 'in', mandateIds).execute();
    const byId = new Map(mandates.map((mandate) => [mandate.id, mandate]));
    return claimed.map((debit) => {
      const mandate = debit.mandate_id === null ? undefined : byId.get(debit.mandate_id);
      invariant(mandate !== undefined, `pending debit ${debit.id} has no mandate`);
      return { debit, mandate };
    });
  }

  async insertDebitEvent(row: DebitEventRow): Promise<void> {
    await this.db.insertInto('debit_events').values(row).execute();
  }

  async listDebitEvents(debitId: string): Promise<DebitEventRow[]> {
    return this.db.selectFrom('debit_events').selectAll().where('debit_id', '=', debitId).orderBy('id').execute();
  }

  async countDebitsByStatus(): Promise<Record<string, number>> {
    const rows = await this.db
      .selectFrom('debits')
      .select(['status', (eb) => eb.fn.countAll<number>().as('count')])
      .groupBy('status')
      .execute();
    return Object.fromEntries(rows.map((row) => [row.status, Number(row.count)]));
  }

  async listAttempts(debitId: string): Promise<AttemptRow[]> {
    return this.db.selectFrom('attempts').selectAll().where('debit_id', '=', debitId).orderBy('attempt_number').execute();
  }

  async listAttemptsForDebits(debitIds: readonly string[]): Promise<AttemptRow[]> {
    if (debitIds.length === 0) return [];
    return this.db.selectFrom('attempts').selectAll().where('debit_id', 'in', debitIds).orderBy('debit_id').orderBy('attempt_number').execute();
  }

  async claimOpenAttempts(now: string, limit: number, owner: string, leaseUntil: string): Promise<AttemptRow[]> {
    return this.db
      .with(
        (cte) => cte('due').materialized(),
        (db) => {
          let due = db
            .selectFrom('attempts')
            .select('id')
            .where('state', 'in', OPEN_ATTEMPT_STATES.map((state) => sql.lit(state)))
            .where('next_query_at', '<=', now)
            .where((w) => w.or([w('lease_until', 'is', null), w('lease_until', '<', now)]))
            .orderBy('next_query_at')
            .limit(limit);
          if (this.engine === 'postgres') due = due.forUpdate().skipLocked();
          return due;
        },
      )
      .updateTable('attempts')
      .set({ lease_owner: owner, lease_until: leaseUntil, next_query_at: leaseUntil, updated_at: now })
      .where('id', 'in', (eb) => eb.selectFrom('due').select('due.id'))
      .where((w) => w.or([w('lease_until', 'is', null), w('lease_until', '<', now)]))
      .returningAll()
      .execute();
  }

  async updateAttempt(id: string, change: AttemptChange, owner: string, patch: AttemptPatch, at: string): Promise<boolean> {
    assertIssued(change);
    const result = await this.db
      .updateTable('attempts')
      .set({ ...patch, ...(change.to === null ? {} : { state: change.to }), updated_at: at })
      .where('id', '=', id)
      .where('state', 'in', change.from)
      .where('lease_owner', '=', owner)
      .executeTakeFirst();
    return result.numUpdatedRows === 1n;
  }

  async insertIdempotencyKey(row: IdempotencyRow): Promise<boolean> {
    const result = await this.db
      .insertInto('idempotency_keys')
      .values(row)
      .onConflict((oc) => oc.columns(['merchant_id', 'key']).doNothing())
      .executeTakeFirst();
    return result.numInsertedOrUpdatedRows === 1n;
  }

  async getIdempotencyKey(merchantId: string, key: string): Promise<IdempotencyRow | null> {
    const row = await this.db
      .selectFrom('idempotency_keys')
      .selectAll()
      .where('merchant_id', '=', merchantId)
      .where('key', '=', key)
      .executeTakeFirst();
    return row ?? null;
  }

  async completeIdempotencyKey(merchantId: string, key: string, status: number, body: string): Promise<void> {
    await this.db
      .updateTable('idempotency_keys')
      .set({ state: 'done', response_status: status, response_body: body })
      .where('merchant_id', '=', merchantId)
      .where('key', '=', key)
      .execute();
  }

  async deleteIdempotencyKey(merchantId: string, key: string): Promise<void> {
    await this.db.deleteFrom('idempotency_keys').where('merchant_id', '=', merchantId).where('key', '=', key).execute();
  }

  async deleteIdempotencyKeysBefore(before: string, limit: number): Promise<number> {
    // Neither engine takes DELETE … LIMIT as standard: the oldest `limit` keys are chosen by a
    // subquery on (created_at) and deleted by their primary key.
    const result = await this.db
      .deleteFrom('idempotency_keys')
      .where((eb) =>
        eb(
          eb.refTuple('merchant_id', 'key'),
          'in',
          eb.selectFrom('idempotency_keys as old').select(['old.merchant_id', 'old.key']).where('old.created_at', '<', before).orderBy('old.created_at').limit(limit).$asTuple('merchant_id', 'key'),
        ),
      )
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  async postLedgerTransactions(entries: readonly LedgerEntry[]): Promise<Set<string>> {
    const posted = await this.#insertNew(
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
    await this.#insertNew(LEDGER_ACCOUNTS_TABLE, [...accounts.values()]);
    await this.#insertMany(POSTINGS_TABLE, postings);
    // One update per account however many postings, in id order, so that concurrent posters
    // lock shared accounts in the same order and cannot deadlock.
    for (const [account, delta] of [...deltas].sort(([a], [b]) => (a < b ? -1 : 1))) {
      if (delta === 0) continue;
      await this.db.updateTable('ledger_accounts').set({ balance: (eb) => eb('balance', '+', delta) }).where('id', '=', account).execute();
    }
    return posted;
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

/** Marks the async context of a transaction's work. */
const inTransaction = new AsyncLocalStorage<true>();

class KyselyStore extends KyselyStoreTx implements Store {
  constructor(
    private readonly root: Kysely<Database>,
    engine: Engine,
    private readonly closeDatabase: () => Promise<void>,
    private readonly connection?: SQLiteConnection,
  ) {
    super(root, engine);
  }

  /**
   * Reaching for the store itself from inside a transaction is a bug: on SQLite the transaction
   * holds the only connection and the call would wait forever; on PostgreSQL it would read
   * outside the transaction. It fails at once instead.
   */
  protected override get db(): Executor {
    invariant(inTransaction.getStore() === undefined, 'the store was used inside a transaction: use the transaction instead');
    return super.db;
  }

  transaction<T>(work: (tx: StoreTx) => Promise<T>): Promise<T> {
    invariant(inTransaction.getStore() === undefined, 'transactions do not nest');
    return this.root.transaction().execute((trx) => inTransaction.run(true, () => work(new KyselyStoreTx(trx, this.engine, this.connection))));
  }

  close(): Promise<void> {
    return this.closeDatabase();
  }
}

export function createStore(handle: DatabaseHandle): Store {
  return withPortErrors(new KyselyStore(handle.db, handle.engine, handle.close, handle.sqlite));
}

/**
 * The store's edge: a driver's unique violation leaves as the port's `UniqueViolation`, from any
 * method and from any transaction (whichever of its statements raised it), so that no caller
 * reads driver codes. Methods are called on the store itself (its private fields need it) and
 * wrapped once each.
 */
function withPortErrors(store: KyselyStore): Store {
  // By function, not by name: a method replaced on the store (a test's fault) is wrapped anew.
  const wrapped = new WeakMap<(...args: unknown[]) => unknown, (...args: unknown[]) => unknown>();
  return new Proxy(store, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property, target);
      if (typeof value !== 'function') return value;
      const method = value as (...args: unknown[]) => unknown;
      let wrapper = wrapped.get(method);
      if (wrapper === undefined) {
        wrapper = (...args: unknown[]) => {
          const result = method.apply(target, args);
          return result instanceof Promise ? result.catch(rethrowForPort) : result;
        };
        wrapped.set(method, wrapper);
      }
      return wrapper;
    },
  });
}

function rethrowForPort(error: unknown): never {
  throw isUniqueViolation(error) ? new UniqueViolation({ cause: error }) : error;
}

export function openStore(config: DatabaseConfig): { store: Store; db: Kysely<Database> } {
  const handle = openDatabase(config);
  return { store: createStore(handle), db: handle.db };
}

/** Status writes take only the transition table's changes: a forged one (a cast) is a bug. */
function assertIssued(change: InstructionChange | AttemptChange): void {
  invariant(isIssued(change), 'a status change that the transition table did not issue');
}
