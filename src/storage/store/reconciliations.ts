import { sql, type RawBuilder } from 'kysely';
import { EXCEPTION_KINDS, invariant, type ExceptionKind, type StatementCounts, type StatementFormat, type StatementLine, type StatementTotals } from '../../core/index.js';
import type { MatchInput, MatchResult, Page, ReconciliationExceptionFilter, ReconciliationExceptionRow, ReconciliationFilter, ReconciliationRow } from '../../app/ports.js';
import { RECONCILIATION_LINES_TABLE } from '../tables.js';
import { insertMany, page, type Executor, type StoreContext } from './shared.js';

/**
 * The statement's lines of one run, each with daikou's side: the latest attempt on the channel
 * of the same end_to_end_id and direction (debits from `attempts`, payouts and refunds from
 * `payout_attempts`; a debit's channel is asked for `amount + payer_fee`), and the line's kind.
 * One statement, joined through the (channel_id, end_to_end_id) indexes of the attempts tables.
 */
function classifiedLines(channelId: string, runId: string): RawBuilder<unknown> {
  // Per line, index probes only (no sort, no materialized set): the line's attempt on the
  // channel through (channel_id, end_to_end_id), kept only if no later attempt of the same
  // end_to_end_id exists there, and its instruction by primary key. The lines come in
  // (end_to_end_id, direction, line) order from their index, so the duplicates' row_number needs no sort.
  return sql`
    run_lines as (
      select l.line, l.channel_reference, l.end_to_end_id, l.direction, l.amount, l.status,
             row_number() over (partition by l.end_to_end_id, l.direction order by l.line) as occurrence
      from reconciliation_lines l where l.reconciliation_id = ${runId}
    ),
    classified as (
      select l.line, l.channel_reference, l.end_to_end_id, l.direction, l.amount, l.status, l.occurrence,
             coalesce(d.id, p.id) as instruction_id, coalesce(d.merchant_id, p.merchant_id) as merchant_id,
             coalesce(d.amount + d.payer_fee, p.amount) as daikou_amount, coalesce(a.state, pa.state) as daikou_status,
             case
               when l.occurrence > 1 then 'duplicate'
               when coalesce(d.id, p.id) is null then 'missing_in_daikou'
               when coalesce(d.amount + d.payer_fee, p.amount) <> l.amount then 'amount_mismatch'
               when coalesce(a.state, pa.state) <> l.status then 'status_mismatch'
               else null
             end as kind
      from run_lines l
      left join attempts a on l.direction = 'debit' and a.channel_id = ${channelId} and a.end_to_end_id = l.end_to_end_id
        and not exists (select 1 from attempts later where later.channel_id = a.channel_id and later.end_to_end_id = a.end_to_end_id and later.attempt_number > a.attempt_number)
      left join debits d on d.id = a.debit_id
      left join payout_attempts pa on l.direction = 'credit' and pa.channel_id = ${channelId} and pa.end_to_end_id = l.end_to_end_id
        and not exists (select 1 from payout_attempts later where later.channel_id = pa.channel_id and later.end_to_end_id = pa.end_to_end_id and later.attempt_number > pa.attempt_number)
      left join payouts p on p.id = pa.payout_id
    )`;
}

/**
 * The attempts on the channel that daikou recorded as decided (`succeeded` or `failed`) in the
 * window: daikou's side of the business date. An instruction has at most one decided attempt.
 */
function decidedAttempts(input: MatchInput): RawBuilder<unknown> {
  return sql`
    decided as (
      select a.end_to_end_id, 'debit' as direction, d.id as instruction_id, d.merchant_id, d.amount + d.payer_fee as amount, a.state
      from attempts a join debits d on d.id = a.debit_id
      where a.channel_id = ${input.channelId} and (a.state = 'succeeded' or a.state = 'failed')
        and a.updated_at >= ${input.decidedFrom} and a.updated_at < ${input.decidedTo}
      union all
      select a.end_to_end_id, 'credit' as direction, p.id as instruction_id, p.merchant_id, p.amount as amount, a.state
      from payout_attempts a join payouts p on p.id = a.payout_id
      where a.channel_id = ${input.channelId} and (a.state = 'succeeded' or a.state = 'failed')
        and a.updated_at >= ${input.decidedFrom} and a.updated_at < ${input.decidedTo}
    )`;
}

const EXCEPTION_COLUMNS = sql`(id, reconciliation_id, kind, channel_id, end_to_end_id, direction, line, channel_reference, statement_amount, statement_status,
  instruction_id, merchant_id, daikou_amount, daikou_status, status, resolution_action, resolution_reason, resolved_by, resolved_at, ledger_transaction_id, created_at)`;

/** Reconciliations (SPEC §15): runs, the statement lines they load, the exceptions they find. */
export class Reconciliations {
  constructor(private readonly context: StoreContext) {}

  private get db(): Executor {
    return this.context.db;
  }

  async insertReconciliation(row: ReconciliationRow): Promise<void> {
    await this.db.insertInto('reconciliations').values(row).execute();
  }

  async insertStatementLines(reconciliationId: string, lines: readonly StatementLine[]): Promise<void> {
    await insertMany(this.context, RECONCILIATION_LINES_TABLE, lines.map((line) => ({ reconciliation_id: reconciliationId, ...line })));
  }

  async matchReconciliation(input: MatchInput): Promise<MatchResult> {
    const run = input.id;
    await sql`
      with ${classifiedLines(input.channelId, run)}
      insert into reconciliation_exceptions ${EXCEPTION_COLUMNS}
      select cast(${run} as text) || ':' || cast(line as text), cast(${run} as text), kind, cast(${input.channelId} as text), end_to_end_id, direction, line, channel_reference, amount, status,
             instruction_id, merchant_id, daikou_amount, daikou_status, 'open', null, null, null, null, null, cast(${input.at} as text)
      from classified where kind is not null`.execute(this.db);
    await sql`
      with ${decidedAttempts(input)}
      insert into reconciliation_exceptions ${EXCEPTION_COLUMNS}
      select cast(${run} as text) || ':' || direction || ':' || instruction_id, cast(${run} as text), 'missing_in_statement', cast(${input.channelId} as text), end_to_end_id, direction, null, null, null, null,
             instruction_id, merchant_id, amount, state, 'open', null, null, null, null, null, cast(${input.at} as text)
      from decided o
      where not exists (select 1 from reconciliation_lines l where l.reconciliation_id = ${run} and l.end_to_end_id = o.end_to_end_id and l.direction = o.direction)
        -- Two probes of the (reconciliation_id, end_to_end_id, direction) index, not one with OR (which scans).
        and not exists (select 1 from reconciliation_lines l where l.reconciliation_id = ${input.previousDayRunId ?? run} and l.end_to_end_id = o.end_to_end_id and l.direction = o.direction)`.execute(this.db);
    await this.#carryResolutions(input);

    const lines = await sql<{ count: number }>`select count(*) as count from reconciliation_lines where reconciliation_id = ${run}`.execute(this.db);
    const byKind = await sql<{ kind: ExceptionKind; count: number }>`
      select kind, count(*) as count from reconciliation_exceptions where reconciliation_id = ${run} group by kind`.execute(this.db);
    const counts: StatementCounts = { lines: Number(lines.rows[0]!.count), matched: 0, missing_in_daikou: 0, missing_in_statement: 0, amount_mismatch: 0, status_mismatch: 0, duplicate: 0 };
    for (const row of byKind.rows) counts[row.kind] = Number(row.count);
    counts.matched = counts.lines - counts.missing_in_daikou - counts.amount_mismatch - counts.status_mismatch - counts.duplicate;
    invariant(counts.matched >= 0 && EXCEPTION_KINDS.every((kind) => counts[kind] >= 0), `reconciliation ${run} counted more exceptions than lines`);

    // daikou's side without a second pass over the lines: a matched line has daikou's amount and
    // status, so daikou's totals are the statement's, less the statement's side of every line
    // exception, plus daikou's side of those daikou has (a duplicate's first line counted already).
    const sides = await sql<{ direction: 'debit' | 'credit'; kind: ExceptionKind; statement_count: number; statement_amount: number | string | null; daikou_count: number; daikou_amount: number | string | null }>`
      select direction, kind,
             count(statement_amount) as statement_count, cast(sum(case when statement_status = 'succeeded' then statement_amount else 0 end) as bigint) as statement_amount,
             count(daikou_amount) as daikou_count, cast(sum(case when daikou_status = 'succeeded' then daikou_amount else 0 end) as bigint) as daikou_amount
      from reconciliation_exceptions where reconciliation_id = ${run} group by direction, kind`.execute(this.db);
    const daikou: StatementTotals = { debit: { ...input.statement.debit }, credit: { ...input.statement.credit } };
    for (const row of sides.rows) {
      const side = daikou[row.direction];
      side.count -= Number(row.statement_count);
      side.amount -= Number(row.statement_amount ?? 0);
      if (row.kind === 'duplicate') continue;
      side.count += Number(row.daikou_count);
      side.amount += Number(row.daikou_amount ?? 0);
    }
    return { counts, daikou };
  }

  /**
   * An exception equal to one resolved in an earlier run of the same channel and date (same kind,
   * instruction and both sides' values) is resolved already: it takes over that resolution, and
   * nothing is posted again. One statement to find them, one update per exception carried (a
   * person resolved each, so they are few).
   */
  async #carryResolutions(input: MatchInput): Promise<void> {
    const carried = await sql<{ id: string; resolution_action: string; resolution_reason: string | null; resolved_by: string | null; resolved_at: string | null; ledger_transaction_id: string | null }>`
      select n.id, o.resolution_action, o.resolution_reason, o.resolved_by, o.resolved_at, o.ledger_transaction_id
      from reconciliation_exceptions n
      join reconciliation_exceptions o on o.end_to_end_id = n.end_to_end_id and o.direction = n.direction and o.kind = n.kind and o.status = 'resolved'
        and o.reconciliation_id <> n.reconciliation_id
        and o.statement_amount is not distinct from n.statement_amount and o.statement_status is not distinct from n.statement_status
        and o.daikou_amount is not distinct from n.daikou_amount and o.daikou_status is not distinct from n.daikou_status
      join reconciliations r on r.id = o.reconciliation_id
      where n.reconciliation_id = ${input.id} and r.channel_id = ${input.channelId}
        and r.business_date = (select business_date from reconciliations where id = ${input.id})`.execute(this.db);
    for (const row of carried.rows) {
      await this.db
        .updateTable('reconciliation_exceptions')
        .set({
          status: 'resolved',
          resolution_action: row.resolution_action as ReconciliationExceptionRow['resolution_action'],
          resolution_reason: row.resolution_reason,
          resolved_by: row.resolved_by,
          resolved_at: row.resolved_at,
          ledger_transaction_id: row.ledger_transaction_id,
        })
        .where('id', '=', row.id)
        .where('status', '=', 'open')
        .execute();
    }
  }

  async completeReconciliation(input: { id: string; format: StatementFormat; statement: StatementTotals; result: MatchResult; at: string }): Promise<ReconciliationRow> {
    const run = await this.db.selectFrom('reconciliations').selectAll().where('id', '=', input.id).executeTakeFirstOrThrow();
    // Two runs of one channel complete one after the other (SQLite has one writer anyway).
    await this.context.dialect.lockRows(this.db.selectFrom('channels').select('id').where('id', '=', run.channel_id)).execute();
    const later = await this.db
      .selectFrom('reconciliations')
      .select('id')
      .where('channel_id', '=', run.channel_id)
      .where('business_date', '=', run.business_date)
      .where('status', '=', 'completed')
      .where('id', '>', input.id)
      .executeTakeFirst();
    const { counts, daikou } = input.result;
    await this.db
      .updateTable('reconciliations')
      .set({
        status: later === undefined ? 'completed' : 'superseded',
        format: input.format,
        ...counts,
        statement_debit_count: input.statement.debit.count,
        statement_debit_amount: input.statement.debit.amount,
        statement_credit_count: input.statement.credit.count,
        statement_credit_amount: input.statement.credit.amount,
        daikou_debit_count: daikou.debit.count,
        daikou_debit_amount: daikou.debit.amount,
        daikou_credit_count: daikou.credit.count,
        daikou_credit_amount: daikou.credit.amount,
        completed_at: input.at,
      })
      .where('id', '=', input.id)
      .where('status', '=', 'processing')
      .execute();
    if (later === undefined) {
      await this.db
        .updateTable('reconciliations')
        .set({ status: 'superseded' })
        .where('channel_id', '=', run.channel_id)
        .where('business_date', '=', run.business_date)
        .where('status', '=', 'completed')
        .where('id', '<', input.id)
        .execute();
    }
    const superseded = this.db
      .selectFrom('reconciliations')
      .select('id')
      .where('channel_id', '=', run.channel_id)
      .where('business_date', '=', run.business_date)
      .where('status', '=', 'superseded');
    await this.db.updateTable('reconciliation_exceptions').set({ status: 'superseded' }).where('status', '=', 'open').where('reconciliation_id', 'in', superseded).execute();
    await this.db.deleteFrom('reconciliation_lines').where('reconciliation_id', 'in', superseded).execute();
    return this.db.selectFrom('reconciliations').selectAll().where('id', '=', input.id).executeTakeFirstOrThrow();
  }

  async failReconciliation(input: { id: string; format: StatementFormat | null; code: string; message: string; at: string }): Promise<void> {
    await this.db
      .updateTable('reconciliations')
      .set({ status: 'failed', format: input.format, failure_code: input.code, failure_message: input.message, completed_at: input.at })
      .where('id', '=', input.id)
      .where('status', '=', 'processing')
      .execute();
    await this.db.deleteFrom('reconciliation_lines').where('reconciliation_id', '=', input.id).execute();
  }

  async getReconciliation(id: string): Promise<ReconciliationRow | undefined> {
    return this.db.selectFrom('reconciliations').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async listReconciliations(filter: ReconciliationFilter): Promise<Page<ReconciliationRow>> {
    let query = this.db.selectFrom('reconciliations').selectAll();
    if (filter.channelId) query = query.where('channel_id', '=', filter.channelId);
    if (filter.businessDate) query = query.where('business_date', '=', filter.businessDate);
    if (filter.status) query = query.where('status', '=', filter.status);
    if (filter.startingAfter) query = query.where('id', '<', filter.startingAfter);
    const rows = await query.orderBy('id', 'desc').limit(filter.limit + 1).execute();
    return page(rows, filter.limit);
  }

  async findCompletedReconciliation(channelId: string, businessDate: string): Promise<ReconciliationRow | undefined> {
    return this.db
      .selectFrom('reconciliations')
      .selectAll()
      .where('channel_id', '=', channelId)
      .where('business_date', '=', businessDate)
      .where('status', '=', 'completed')
      .orderBy('id', 'desc')
      .executeTakeFirst();
  }

  async hasReconciliation(channelId: string, businessDate: string, processingSince: string): Promise<boolean> {
    const row = await this.db
      .selectFrom('reconciliations')
      .select('id')
      .where('channel_id', '=', channelId)
      .where('business_date', '=', businessDate)
      .where((eb) => eb.or([eb('status', '=', 'completed'), eb.and([eb('status', '=', 'processing'), eb('created_at', '>=', processingSince)])]))
      .executeTakeFirst();
    return row !== undefined;
  }

  async getReconciliationException(id: string): Promise<ReconciliationExceptionRow | undefined> {
    return this.db.selectFrom('reconciliation_exceptions').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async listReconciliationExceptions(filter: ReconciliationExceptionFilter): Promise<Page<ReconciliationExceptionRow>> {
    let query = this.db.selectFrom('reconciliation_exceptions').selectAll().where('reconciliation_id', '=', filter.reconciliationId);
    if (filter.kind) query = query.where('kind', '=', filter.kind);
    if (filter.status) query = query.where('status', '=', filter.status);
    if (filter.startingAfter) query = query.where('id', '>', filter.startingAfter);
    const rows = await query.orderBy('id').limit(filter.limit + 1).execute();
    return page(rows, filter.limit);
  }

  async resolveReconciliationException(input: { id: string; action: ReconciliationExceptionRow['resolution_action'] & string; reason: string; actor: string; at: string; ledgerTransactionId: string | null }): Promise<'resolved' | 'not_open'> {
    const result = await this.db
      .updateTable('reconciliation_exceptions')
      .set({ status: 'resolved', resolution_action: input.action, resolution_reason: input.reason, resolved_by: input.actor, resolved_at: input.at, ledger_transaction_id: input.ledgerTransactionId })
      .where('id', '=', input.id)
      .where('status', '=', 'open')
      .executeTakeFirst();
    return result.numUpdatedRows === 1n ? 'resolved' : 'not_open';
  }
}
