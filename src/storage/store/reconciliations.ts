import { sql, type RawBuilder } from 'kysely';
import { EXCEPTION_KINDS, invariant, type ExceptionKind, type StatementCounts, type StatementFormat, type StatementLine, type StatementTotals } from '../../core/index.js';
import type { MatchInput, MatchResult, Page, ReconciliationExceptionFilter, ReconciliationExceptionRow, ReconciliationFilter, ReconciliationRow } from '../../app/ports.js';
import { RECONCILIATION_LINES_TABLE, type BulkTable } from '../tables.js';
import { insertMany, page, type Executor, type StoreContext } from './shared.js';

/** What daikou calls each direction's instructions and attempts: debits, or payouts and refunds. */
const SIDES = [
  { direction: 'debit', attempts: 'attempts', instructions: 'debits', instructionKey: 'debit_id', amount: sql`i.amount + i.payer_fee` },
  { direction: 'credit', attempts: 'payout_attempts', instructions: 'payouts', instructionKey: 'payout_id', amount: sql`i.amount` },
] as const;

/**
 * The statement's lines of one run in one direction, each with daikou's side: the latest attempt
 * on the channel of the same end_to_end_id (a debit's channel is asked for `amount + payer_fee`),
 * its instruction, and whether an earlier line of the run has the same end_to_end_id.
 *
 * Per line, index probes only, no sort and no materialized set (a window's row_number buffered
 * every line: 1.3 s of CPU at a million lines, against 0.8 s for the probe of an earlier line):
 * the lines in (direction, end_to_end_id, line) order from their key, an earlier line of the
 * same key in that same tree, the latest attempt through (channel_id, end_to_end_id,
 * attempt_number), and its instruction by primary key. One statement per direction, so that each
 * line probes only its own direction's tables.
 *
 * The latest attempt: on SQLite, one descent of that index to the last entry of the key gives the
 * attempt's rowid (`order by attempt_number desc limit 1`), and the row is read by it; joining
 * every attempt of the key and keeping the one with no later attempt cost a second probe per
 * line (at a million lines 1.8 s of CPU against 1.1 s). PostgreSQL has no rowid to join on, and
 * plans the anti-join as well.
 */
function linesWithDaikouSide(side: (typeof SIDES)[number], input: MatchInput, engine: 'sqlite' | 'postgres'): RawBuilder<unknown> {
  const { channelId, id: runId } = input;
  const attempts = sql.table(side.attempts);
  const earlier = sql`exists (select 1 from reconciliation_lines e
                   where e.reconciliation_id = l.reconciliation_id and e.direction = l.direction and e.end_to_end_id = l.end_to_end_id and e.line < l.line)`;
  const mayRepeat = input.mayRepeat?.[side.direction];
  // Only the keys that may repeat are looked for earlier (a list built once, then a probe of it in memory).
  const repeated = mayRepeat === undefined
    ? earlier
    : mayRepeat.length === 0
      ? sql`(1 = 0)`
      : engine === 'sqlite'
        ? sql`(l.end_to_end_id in (select value from json_each(${JSON.stringify(mayRepeat)})) and ${earlier})`
        : sql`(l.end_to_end_id = any(${[...mayRepeat]}::text[]) and ${earlier})`;
  const latest = engine === 'sqlite'
    ? sql`a.rowid = (select x.rowid from ${attempts} x where x.channel_id = ${channelId} and x.end_to_end_id = l.end_to_end_id order by x.attempt_number desc limit 1)`
    : sql`a.channel_id = ${channelId} and a.end_to_end_id = l.end_to_end_id
      and not exists (select 1 from ${attempts} later where later.channel_id = a.channel_id and later.end_to_end_id = a.end_to_end_id and later.attempt_number > a.attempt_number)`;
  return sql`
    select l.line, l.channel_reference, l.end_to_end_id, l.direction, l.amount, l.status,
           ${repeated} as repeated,
           i.id as instruction_id, i.merchant_id, ${side.amount} as daikou_amount, a.state as daikou_status
    from reconciliation_lines l
    left join ${attempts} a on ${latest}
    left join ${sql.table(side.instructions)} i on i.id = a.${sql.ref(side.instructionKey)}
    where l.reconciliation_id = ${runId} and l.direction = ${side.direction}`;
}

/**
 * The attempts on the channel that daikou recorded as decided (`succeeded` or `failed`) in the
 * window and that no line of the run (nor of `previousDayRunId`'s) lists: the instructions
 * missing in the statement, in one direction. An instruction has at most one decided attempt.
 *
 * On SQLite, one merge: the end_to_end_ids of the decided attempts, in the order of the attempts'
 * `(channel_id, end_to_end_id, …)` index, `EXCEPT` those of the run's lines (and of the day
 * before's), in the order of their key, `ORDER BY` that order — `MERGE (EXCEPT)` in the plan,
 * each side read once, no probe per attempt (at a million attempts 0.6 s of CPU, against 1.7 s
 * for the anti-join's probe of the lines per attempt); then only the missing ones are joined to
 * their attempt and instruction, in that order (CROSS JOIN: SQLite keeps the order written). On
 * PostgreSQL, an anti-join, which it plans as a hash or merge join by itself; the instruction's
 * row is read only for the missing ones.
 */
function missingInStatement(side: (typeof SIDES)[number], input: MatchInput, engine: 'sqlite' | 'postgres'): RawBuilder<unknown> {
  const attempts = sql.table(side.attempts);
  const decided = sql`a.channel_id = ${input.channelId} and (a.state = 'succeeded' or a.state = 'failed') and a.updated_at >= ${input.decidedFrom} and a.updated_at < ${input.decidedTo}`;
  if (engine === 'sqlite') {
    const linesOf = (runId: string) => sql`except select l.end_to_end_id from reconciliation_lines l where l.reconciliation_id = ${runId} and l.direction = ${side.direction}`;
    return sql`
      select a.end_to_end_id, i.id as instruction_id, i.merchant_id, ${side.amount} as amount, a.state
      from (select a.end_to_end_id from ${attempts} a where ${decided}
            ${linesOf(input.id)}
            ${input.previousDayRunId === null ? sql`` : linesOf(input.previousDayRunId)}
            order by 1) missing
      cross join ${attempts} a cross join ${sql.table(side.instructions)} i
      where a.channel_id = ${input.channelId} and a.end_to_end_id = missing.end_to_end_id and ${decided} and i.id = a.${sql.ref(side.instructionKey)}`;
  }
  const listedIn = (runId: string) => sql`
    not exists (select 1 from reconciliation_lines l where l.reconciliation_id = ${runId} and l.direction = ${side.direction} and l.end_to_end_id = a.end_to_end_id)`;
  return sql`
    select a.end_to_end_id, i.id as instruction_id, i.merchant_id, ${side.amount} as amount, a.state
    from ${attempts} a join ${sql.table(side.instructions)} i on i.id = a.${sql.ref(side.instructionKey)}
    where ${decided}
      and ${listedIn(input.id)}
      ${input.previousDayRunId === null ? sql`` : sql`and ${listedIn(input.previousDayRunId)}`}`;
}

const STAGED_COLUMNS = 'reconciliation_id,line,channel_reference,end_to_end_id,direction,amount,status,settled_at';

/**
 * The staging table as a bulk table of one run's lines: the lines are written as the reader made
 * them, the run's id added on the way, without a row object per line (a million of them, each a
 * copy of a line with one more field, were the load's largest allocation).
 */
function statementLinesOf(reconciliationId: string): BulkTable<StatementLine> {
  invariant(RECONCILIATION_LINES_TABLE.columns.map((column) => column.name).join() === STAGED_COLUMNS, 'statementLinesOf writes the columns of reconciliation_lines in their order');
  return {
    name: RECONCILIATION_LINES_TABLE.name,
    columns: RECONCILIATION_LINES_TABLE.columns as unknown as BulkTable<StatementLine>['columns'],
    values: (line) => [reconciliationId, line.line, line.channel_reference, line.end_to_end_id, line.direction, line.amount, line.status, line.settled_at],
    write(line, into, at) {
      into[at] = reconciliationId;
      into[at + 1] = line.line;
      into[at + 2] = line.channel_reference;
      into[at + 3] = line.end_to_end_id;
      into[at + 4] = line.direction;
      into[at + 5] = line.amount;
      into[at + 6] = line.status;
      into[at + 7] = line.settled_at;
      return at + 8;
    },
  };
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
    await insertMany(this.context, statementLinesOf(reconciliationId), lines);
  }

  /**
   * PostgreSQL plans from statistics: a staging table just loaded has none (or an earlier run's),
   * and guessing a few lines it scanned them once per attempt (2,000 lines: 1.8 s, not 0.04 s).
   * Outside the match's transaction: ANALYZE holds its lock until the transaction ends, and would
   * make the matches of other channels wait for this one.
   */
  async analyzeStatementLines(): Promise<void> {
    if (this.context.dialect.engine === 'postgres') await sql`analyze reconciliation_lines`.execute(this.db);
  }

  async matchReconciliation(input: MatchInput): Promise<MatchResult> {
    const run = input.id;
    for (const side of SIDES) {
      await sql`
        insert into reconciliation_exceptions ${EXCEPTION_COLUMNS}
        select cast(${run} as text) || ':' || cast(line as text), cast(${run} as text), kind, cast(${input.channelId} as text), end_to_end_id, direction, line, channel_reference, amount, status,
               instruction_id, merchant_id, daikou_amount, daikou_status, 'open', null, null, null, null, null, cast(${input.at} as text)
        from (
          select line, channel_reference, end_to_end_id, direction, amount, status, instruction_id, merchant_id, daikou_amount, daikou_status,
                 case
                   when repeated then 'duplicate'
                   when instruction_id is null then 'missing_in_daikou'
                   when daikou_amount <> amount then 'amount_mismatch'
                   when daikou_status <> status then 'status_mismatch'
                   else null
                 end as kind
          from (${linesWithDaikouSide(side, input, this.context.dialect.engine)}) lines
        ) classified
        where kind is not null`.execute(this.db);
      await sql`
        insert into reconciliation_exceptions ${EXCEPTION_COLUMNS}
        select cast(${run} as text) || ':' || cast(${side.direction} as text) || ':' || instruction_id, cast(${run} as text), 'missing_in_statement', cast(${input.channelId} as text), end_to_end_id,
               cast(${side.direction} as text), null, null, null, null, instruction_id, merchant_id, amount, state, 'open', null, null, null, null, null, cast(${input.at} as text)
        from (${missingInStatement(side, input, this.context.dialect.engine)}) missing`.execute(this.db);
    }
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

  async completeReconciliation(input: { id: string; format: StatementFormat; statement: StatementTotals; result: MatchResult; at: string; linesKeptFrom: string }): Promise<ReconciliationRow> {
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
    // Older dates' lines: no run reads them any more (each reads its date's and the date before's).
    const older = this.db.selectFrom('reconciliations').select('id').where('channel_id', '=', run.channel_id).where('business_date', '<', input.linesKeptFrom);
    await this.db.deleteFrom('reconciliation_lines').where('reconciliation_id', 'in', older).execute();
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
