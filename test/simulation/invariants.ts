import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { Store } from '../../src/app/ports.js';
import type { FakeChannel } from './fake-channel.js';

/**
 * What must hold after every step of the simulation, read from the database itself and from the
 * fake channel's record, never from the hub's own view of things. Each check returns the
 * violations it found, worded so that a failing seed explains itself.
 *
 * With `since` (the clock when the last check ran), only what a step can have touched is read:
 * debits and attempts written at or after it (every write stamps `updated_at` with the clock),
 * the counters of their mandates and fee subjects, and the ledger when it has new transactions.
 * Without it, everything is read (the simulator does that every so often and at the end).
 */
export async function checkInvariants(db: Kysely<unknown>, store: Store, channel: FakeChannel, since: string | null): Promise<string[]> {
  let scope: Scope = { debits: null, mandates: null, subjects: null };
  if (since !== null) {
    const { rows } = await sql<{ id: string; mandate_id: string | null; merchant_fee_subject: string | null; payer_fee_subject: string | null }>`
      select id, mandate_id, merchant_fee_subject, payer_fee_subject from debits
      where id in (select id from debits where updated_at >= ${since} union all select debit_id from attempts where updated_at >= ${since})`.execute(db);
    scope = {
      debits: inList(rows.map((row) => row.id)),
      mandates: inList(rows.map((row) => row.mandate_id)),
      subjects: inList(rows.flatMap((row) => [row.merchant_fee_subject, row.payer_fee_subject])),
    };
  }
  return [
    ...channel.violations,
    ...(await attemptsFenced(db, scope)),
    ...(await payoutsFenced(db)),
    ...(await refundsWithinDebits(db)),
    ...(await merchantBalancesAgree(db)),
    ...(await settlementsAddUp(db)),
    ...(await ledgerBalanced(db, store, since)),
    ...(await mandateUsageCounted(db, scope)),
    ...(await allowanceUsageCounted(db, scope)),
    ...(await eventsPublished(db, 'debit', scope.debits)),
    ...(await eventsPublished(db, 'payout', null)),
  ];
}

/**
 * Indexes for the checker's own reads (what changed since a time, the debits of a fee subject),
 * which production never makes: without them every step's check scans every debit, and a
 * 2,000-step seed spends most of its time checking. They change no behaviour of the hub.
 */
export async function createCheckerIndexes(db: Kysely<unknown>): Promise<void> {
  for (const [name, on] of [
    ['sim_debits_by_updated_at', 'debits (updated_at)'],
    ['sim_attempts_by_updated_at', 'attempts (updated_at)'],
    ['sim_debits_by_merchant_fee_subject', 'debits (merchant_fee_subject)'],
    ['sim_debits_by_payer_fee_subject', 'debits (payer_fee_subject)'],
    ['sim_ledger_transactions_by_at', 'ledger_transactions (at)'],
  ] as const) {
    await sql.raw(`create index ${name} on ${on}`).execute(db);
  }
}

/** What a check reads: `in (…)` lists of debit ids, mandate ids and fee subjects, or null for all. */
interface Scope {
  debits: RawBuilder<unknown> | null;
  mandates: RawBuilder<unknown> | null;
  subjects: RawBuilder<unknown> | null;
}

/** `column in (…)` for the values given; a list of none matches nothing. */
function inList(values: readonly (string | null)[]): RawBuilder<unknown> {
  const present = [...new Set(values.filter((value): value is string => value !== null))];
  return present.length === 0 ? sql`(null)` : sql`(${sql.join(present)})`;
}

/** ` and <column> in (…)`, or nothing when the scope is everything. */
function within(column: string, list: RawBuilder<unknown> | null): RawBuilder<unknown> {
  return list === null ? sql.raw('') : sql` and ${sql.ref(column)} in ${list}`;
}

/**
 * No two attempts of one debit open at once; a debit is `submitted` exactly while one of its
 * attempts is open (the claim writes both in one transaction; every answer moves both together);
 * and a debit that succeeded has one succeeded attempt and one ledger transaction, others none.
 * Set-based: only the debits that break a rule come back.
 */
async function attemptsFenced(db: Kysely<unknown>, scope: Scope): Promise<string[]> {
  const { rows } = await sql<{ id: string; status: string; open: number | string; succeeded: number | string; posted: number | string }>`
    select d.id, d.status, coalesce(a.open, 0) as open, coalesce(a.succeeded, 0) as succeeded, coalesce(t.posted, 0) as posted
    from debits d
    left join (
      select debit_id,
        sum(case when state in ('sending', 'accepted', 'unknown') then 1 else 0 end) as open,
        sum(case when state = 'succeeded' then 1 else 0 end) as succeeded
      from attempts where 1 = 1${within('debit_id', scope.debits)} group by debit_id
    ) a on a.debit_id = d.id
    left join (select ref_id, count(*) as posted from ledger_transactions where ref_type = 'debit'${within('ref_id', scope.debits)} group by ref_id) t on t.ref_id = d.id
    where 1 = 1${within('d.id', scope.debits)} and (coalesce(a.open, 0) <> (case when d.status = 'submitted' then 1 else 0 end)
      or coalesce(a.succeeded, 0) <> (case when d.status = 'succeeded' then 1 else 0 end)
      or coalesce(t.posted, 0) <> (case when d.status = 'succeeded' then 1 else 0 end))
    order by d.id`.execute(db);
  return rows.map((row) => `debit ${row.id} is ${row.status} with ${row.open} open attempts, ${row.succeeded} succeeded attempts and ${row.posted} ledger transactions`);
}

/**
 * The same fence for payouts and refunds (all of them: there are few), and their money: a payout not rejected
 * has one reservation; one that succeeded used it once, one that failed gave it back once, and
 * one still open did neither.
 */
async function payoutsFenced(db: Kysely<unknown>): Promise<string[]> {
  const { rows } = await sql<{ id: string; status: string; open: number | string; succeeded: number | string; reserved: number | string; used: number | string; released: number | string }>`
    select p.id, p.status, coalesce(a.open, 0) as open, coalesce(a.succeeded, 0) as succeeded,
      coalesce(t.reserved, 0) as reserved, coalesce(t.used, 0) as used, coalesce(t.released, 0) as released
    from payouts p
    left join (
      select payout_id,
        sum(case when state in ('sending', 'accepted', 'unknown') then 1 else 0 end) as open,
        sum(case when state = 'succeeded' then 1 else 0 end) as succeeded
      from payout_attempts group by payout_id
    ) a on a.payout_id = p.id
    left join (
      select ref_id,
        sum(case when kind in ('payout_reserved', 'refund_reserved') then 1 else 0 end) as reserved,
        sum(case when kind in ('payout_succeeded', 'refund_succeeded') then 1 else 0 end) as used,
        sum(case when kind in ('payout_released', 'refund_released') then 1 else 0 end) as released
      from ledger_transactions where ref_type = 'payout' group by ref_id
    ) t on t.ref_id = p.id
    where coalesce(a.open, 0) <> (case when p.status = 'submitted' then 1 else 0 end)
      or coalesce(a.succeeded, 0) <> (case when p.status = 'succeeded' then 1 else 0 end)
      or coalesce(t.reserved, 0) <> (case when p.status = 'rejected' then 0 else 1 end)
      or coalesce(t.used, 0) <> (case when p.status = 'succeeded' then 1 else 0 end)
      or coalesce(t.released, 0) <> (case when p.status = 'failed' then 1 else 0 end)
    order by p.id`.execute(db);
  return rows.map((row) => `payout ${row.id} is ${row.status} with ${row.open} open and ${row.succeeded} succeeded attempts, ${row.reserved} reservations, ${row.used} uses and ${row.released} releases`);
}

/**
 * Refunds (SPEC §14): a debit's `refunded_amount` is the sum of its live refunds (not failed or
 * rejected) and never above its amount; only succeeded debits are refunded; what refunds drew
 * from `pending` is never more than the debit's net.
 */
async function refundsWithinDebits(db: Kysely<unknown>): Promise<string[]> {
  const { rows } = await sql<{ id: string; status: string; amount: number | string; refunded_amount: number | string; live: number | string; from_pending: number | string; net: number | string }>`
    select d.id, d.status, d.amount, d.refunded_amount, coalesce(r.live, 0) as live, d.refunded_from_pending as from_pending, d.amount - d.merchant_fee as net
    from debits d
    left join (
      select debit_id, cast(sum(case when status in ('pending', 'submitted', 'succeeded') then amount else 0 end) as bigint) as live
      from payouts where kind = 'refund' group by debit_id
    ) r on r.debit_id = d.id
    where d.refunded_amount <> coalesce(r.live, 0) or d.refunded_amount > d.amount
      or (r.debit_id is not null and d.status <> 'succeeded')
      or (d.refunded_from_pending > 0 and d.refunded_from_pending > d.amount - d.merchant_fee)
    order by d.id`.execute(db);
  return rows.map((row) => `debit ${row.id} (${row.status}, ${row.amount}) has refunded_amount ${row.refunded_amount}, its live refunds hold ${row.live}; ${row.from_pending} drawn from pending of a net ${row.net}`);
}

/**
 * Each merchant's balances say what its instructions say (merchant balances are credits, so
 * negative): `reserved` holds amount + fee of every payout still open; `available` never went
 * below zero (a debit balance); `pending` holds the net of every succeeded debit not yet settled,
 * less what refunds drew from it.
 */
async function merchantBalancesAgree(db: Kysely<unknown>): Promise<string[]> {
  const { rows } = await sql<{ id: string; reserved: number | string; open_payouts: number | string; available: number | string; pending: number | string; unsettled: number | string }>`
    select m.id,
      coalesce((select balance from ledger_accounts where id = 'merchant:' || m.id || ':reserved'), 0) as reserved,
      (select cast(coalesce(sum(amount + fee), 0) as bigint) from payouts where merchant_id = m.id and status in ('pending', 'submitted')) as open_payouts,
      coalesce((select balance from ledger_accounts where id = 'merchant:' || m.id || ':available'), 0) as available,
      coalesce((select balance from ledger_accounts where id = 'merchant:' || m.id || ':pending'), 0) as pending,
      (select cast(coalesce(sum(amount - merchant_fee - refunded_from_pending), 0) as bigint) from debits where merchant_id = m.id and status = 'succeeded' and settlement_id is null) as unsettled
    from merchants m order by m.id`.execute(db);
  const violations: string[] = [];
  for (const row of rows) {
    if (-Number(row.reserved) !== Number(row.open_payouts)) violations.push(`merchant ${row.id} has ${-Number(row.reserved)} reserved, but its open payouts hold ${row.open_payouts}`);
    if (Number(row.available) > 0) violations.push(`merchant ${row.id}'s available is ${-Number(row.available)}: below zero`);
    if (-Number(row.pending) !== Number(row.unsettled)) violations.push(`merchant ${row.id} has ${-Number(row.pending)} pending, but its unsettled succeeded debits net ${row.unsettled}`);
  }
  return violations;
}

/** Each settlement's count and amount are those of the debits it took; no debit it took failed or is open. */
async function settlementsAddUp(db: Kysely<unknown>): Promise<string[]> {
  const { rows } = await sql<{ id: string; count: number | string; amount: number | string; debits: number | string; net: number | string; not_succeeded: number | string }>`
    select s.id, s.count, s.amount, count(d.id) as debits, cast(coalesce(sum(d.amount - d.merchant_fee - d.refunded_from_pending), 0) as bigint) as net,
      sum(case when d.status <> 'succeeded' then 1 else 0 end) as not_succeeded
    from settlements s left join debits d on d.settlement_id = s.id
    group by s.id, s.count, s.amount
    having s.count <> count(d.id) or s.amount <> coalesce(sum(d.amount - d.merchant_fee - d.refunded_from_pending), 0) or sum(case when d.status <> 'succeeded' then 1 else 0 end) > 0`.execute(db);
  return rows.map((row) => `settlement ${row.id} says ${row.count} debits and ${row.amount}, but took ${row.debits} debits netting ${row.net} (${row.not_succeeded} not succeeded)`);
}

/**
 * The trial balance is zero, every transaction sums to zero, and cached balances equal their
 * postings (`findUnbalancedLedgerAccounts`); incrementally, the new transactions and the
 * balances of the accounts they moved.
 */
async function ledgerBalanced(db: Kysely<unknown>, store: Store, since: string | null): Promise<string[]> {
  const violations: string[] = [];
  const fresh = since === null ? sql.raw('') : sql`where transaction_id in (select id from ledger_transactions where at >= ${since})`;
  const { rows: unbalanced } = await sql<{ transaction_id: string; total: number | string }>`
    select transaction_id, cast(sum(amount) as bigint) as total from postings ${fresh} group by transaction_id having sum(amount) <> 0`.execute(db);
  for (const row of unbalanced) violations.push(`ledger transaction ${row.transaction_id} sums to ${row.total}`);
  if (since === null) {
    const { rows: trial } = await sql<{ total: number | string | null }>`select cast(coalesce(sum(amount), 0) as bigint) as total from postings`.execute(db);
    if (Number(trial[0]?.total ?? 0) !== 0) violations.push(`the trial balance is ${trial[0]?.total}, not zero`);
    for (const account of await store.findUnbalancedLedgerAccounts()) {
      violations.push(`ledger account ${account.id} caches ${account.balance} but its postings sum to ${account.postings}`);
    }
    return violations;
  }
  // The accounts the new transactions moved: their cached balance against all their postings.
  const { rows: accounts } = await sql<{ id: string; balance: number | string; postings: number | string }>`
    select a.id, a.balance, (select cast(coalesce(sum(p.amount), 0) as bigint) from postings p where p.account_id = a.id) as postings
    from ledger_accounts a
    where a.id in (select p.account_id from postings p join ledger_transactions t on t.id = p.transaction_id where t.at >= ${since})`.execute(db);
  for (const account of accounts) {
    if (Number(account.balance) !== Number(account.postings)) violations.push(`ledger account ${account.id} caches ${account.balance} but its postings sum to ${account.postings}`);
  }
  return violations;
}

/** A debit holds its room under limits and allowances unless it failed or was rejected. */
const LIVE = sql.raw(`d.status not in ('failed', 'rejected')`);

/** Each mandate's monthly usage equals the amounts of its live debits of that month (DESIGN-NOTES §4). */
async function mandateUsageCounted(db: Kysely<unknown>, scope: Scope): Promise<string[]> {
  const { rows: counters } = await sql<{ mandate_id: string; month: string; amount: number | string }>`
    select u.mandate_id, u.month, u.amount from mandate_usage u where 1 = 1${within('u.mandate_id', scope.mandates)}`.execute(db);
  const { rows: sums } = await sql<{ mandate_id: string; month: string; amount: number | string }>`
    select d.mandate_id, substr(d.business_date, 1, 7) as month, cast(sum(d.amount) as bigint) as amount
    from debits d join mandates m on m.id = d.mandate_id
    where m.monthly_max is not null and ${LIVE}${within('d.mandate_id', scope.mandates)}
    group by d.mandate_id, substr(d.business_date, 1, 7)`.execute(db);
  return compareCounters(
    'mandate usage',
    new Map(counters.map((row) => [`${row.mandate_id} ${row.month}`, Number(row.amount)])),
    new Map(sums.map((row) => [`${row.mandate_id} ${row.month}`, Number(row.amount)])),
  );
}

/** Each fee plan's allowance counter equals the amounts of the live debits it priced, per subject and month. */
async function allowanceUsageCounted(db: Kysely<unknown>, scope: Scope): Promise<string[]> {
  const { rows: counters } = await sql<{ plan_id: string; subject: string; month: string; amount: number | string }>`
    select plan_id, subject, month, amount from allowance_usage where 1 = 1${within('subject', scope.subjects)}`.execute(db);
  // Grouped by the plan's version (`id@version`) in SQL, by plan id here: the few groups are merged.
  const { rows: groups } = await sql<{ plan: string; subject: string; month: string; amount: number | string }>`
    select merchant_fee_plan as plan, merchant_fee_subject as subject, substr(business_date, 1, 7) as month, cast(sum(amount) as bigint) as amount
    from debits d where ${LIVE} and merchant_fee_subject is not null${within('merchant_fee_subject', scope.subjects)} group by merchant_fee_plan, merchant_fee_subject, substr(business_date, 1, 7)
    union all
    select payer_fee_plan as plan, payer_fee_subject as subject, substr(business_date, 1, 7) as month, cast(sum(amount) as bigint) as amount
    from debits d where ${LIVE} and payer_fee_subject is not null${within('payer_fee_subject', scope.subjects)} group by payer_fee_plan, payer_fee_subject, substr(business_date, 1, 7)`.execute(db);
  const sums = new Map<string, number>();
  for (const group of groups) {
    const key = `${group.plan.split('@')[0]} ${group.subject} ${group.month}`;
    sums.set(key, (sums.get(key) ?? 0) + Number(group.amount));
  }
  return compareCounters('allowance usage', new Map(counters.map((row) => [`${row.plan_id} ${row.subject} ${row.month}`, Number(row.amount)])), sums);
}

/** A counter row of zero and no row at all mean the same. */
function compareCounters(what: string, counters: Map<string, number>, sums: Map<string, number>): string[] {
  const violations: string[] = [];
  for (const key of new Set([...counters.keys(), ...sums.keys()])) {
    const counted = counters.get(key) ?? 0;
    const summed = sums.get(key) ?? 0;
    if (counted !== summed) violations.push(`${what} of ${key} is ${counted}, but its live debits sum to ${summed}`);
  }
  return violations;
}

/** The internal event types that are public (SPEC §16); `rerouted` and `not_received` are not. */
const PUBLIC_INSTRUCTION_EVENTS = ['created', 'submitted', 'succeeded', 'failed', 'rejected'].flatMap((name) => [`debit.${name}`, `payout.${name}`, `refund.${name}`]);

/**
 * Public events (issue 13) mirror an instruction's history: each internal event of a public type
 * has exactly one public event, by the same id, of the same type and object, at the same time,
 * whose payload shows the status the internal event recorded; and no public event of a debit or
 * payout exists without its internal event (so a debit has as many public events as public
 * internal ones). A rolled-back transaction must leave neither.
 */
async function eventsPublished(db: Kysely<unknown>, kind: 'debit' | 'payout', instructions: RawBuilder<unknown> | null): Promise<string[]> {
  const history = sql.table(`${kind}_events`);
  const owner = sql.ref(`e.${kind}_id`);
  const types = sql.join(PUBLIC_INSTRUCTION_EVENTS);
  const { rows } = await sql<{ instruction_id: string; id: string; type: string | null; status: string | null; at: string | null; public_type: string | null; object_id: string | null; created_at: string | null; data: string | null }>`
    select ${owner} as instruction_id, e.id, e.type, e.status, e.at, p.type as public_type, p.object_id, p.created_at, p.data
    from ${history} e left join events p on p.id = e.id
    where e.type in (${types})${instructions === null ? sql.raw('') : sql` and ${owner} in ${instructions}`}
    union all
    select p.object_id as instruction_id, p.id, null, null, null, p.type, p.object_id, p.created_at, p.data
    from events p left join ${history} e on e.id = p.id
    where p.object_type = ${kind} and e.id is null${instructions === null ? sql.raw('') : sql` and p.object_id in ${instructions}`}`.execute(db);
  const violations: string[] = [];
  for (const row of rows) {
    const what = `${kind} ${row.instruction_id}'s event ${row.id}`;
    if (row.type === null) violations.push(`${what} (${row.public_type}) is public but not in its history`);
    else if (row.public_type === null) violations.push(`${what} (${row.type}) has no public event`);
    else if (row.public_type !== row.type || row.object_id !== row.instruction_id || row.created_at !== row.at) {
      violations.push(`${what} is ${row.type} at ${row.at}, but its public event is ${row.public_type} of ${row.object_id} at ${row.created_at}`);
    } else {
      const object = (JSON.parse(row.data!) as { object: { id: string; status: string } }).object;
      if (object.id !== row.instruction_id || object.status !== row.status) violations.push(`${what} recorded ${row.status}, but its payload shows ${object.id} ${object.status}`);
    }
  }
  return violations;
}

/**
 * At the end, after the channel has been healthy long enough: every debit is final, and says
 * what the channel says — succeeded exactly where a channel holds it succeeded, failed with the
 * channel's code where a channel holds it failed, and no channel holds a debit that failed
 * because no channel would take it.
 */
export async function checkFinal(db: Kysely<unknown>, channel: FakeChannel): Promise<string[]> {
  const { rows } = await sql<{ id: string; status: string; channel_id: string | null; failure_code: string | null }>`
    select id, status, channel_id, failure_code from debits
    union all select id, status, channel_id, failure_code from payouts
    order by id`.execute(db);
  const violations: string[] = [];
  // Debits and payouts alike (a payout's end-to-end id is its id, as a debit's is); "debit" below names either.
  for (const debit of rows) {
    const holdings = channel.holdings(debit.id);
    if (debit.status === 'pending' || debit.status === 'submitted') {
      violations.push(`debit ${debit.id} is still ${debit.status}`);
      continue;
    }
    if (debit.status === 'rejected') {
      if (holdings.length > 0) violations.push(`debit ${debit.id} was rejected but a channel holds it`);
      continue;
    }
    if (holdings.length > 1) violations.push(`debit ${debit.id} is held by ${holdings.length} channels`);
    const held = holdings[0];
    if (debit.status === 'succeeded') {
      if (held === undefined || held.outcome.kind !== 'succeeded' || held.channelId !== debit.channel_id) {
        violations.push(`debit ${debit.id} succeeded on ${debit.channel_id} but the channel says ${JSON.stringify(held ?? 'nothing')}`);
      }
    } else if (held === undefined) {
      if (debit.failure_code !== 'channel_unavailable') violations.push(`debit ${debit.id} failed ${debit.failure_code}, but no channel holds it`);
    } else if (held.outcome.kind !== 'failed' || held.outcome.code !== debit.failure_code) {
      violations.push(`debit ${debit.id} failed ${debit.failure_code} but ${held.channelId} says ${JSON.stringify(held.outcome)}`);
    }
  }
  return violations;
}
