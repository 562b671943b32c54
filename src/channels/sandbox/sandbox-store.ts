import { join } from 'node:path';
import Database from 'better-sqlite3';
import { invariant } from '../../core/kernel/index.js';
import {
  type AccountClass,
  type AccountState,
  type AccountStatus,
  type DebitOutcome,
  type ReceivedOutcome,
  DEFAULT_BALANCE_FEN,
  DEFAULT_CLASS,
  DEFAULT_STATUS,
  decideCredit,
  decideDebit,
  isLimitedClass,
  type Direction,
} from './bank-rules.js';
import type { Fault, FaultMode, FaultStore } from './fault-table.js';
import { ensurePrivateFile } from '../../security/data-dir-modes.js';

/**
 * The sandbox's state in `<data>/sandbox.sqlite`. Account and ID numbers arrive here already
 * blinded (HMAC) and masked: nothing in this file ever holds a full number.
 */

export const SANDBOX_DB_FILE = 'sandbox.sqlite';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS settings (
  name TEXT PRIMARY KEY,
  value INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS accounts (
  account_hmac TEXT PRIMARY KEY,
  account_masked TEXT NOT NULL,
  balance_fen INTEGER NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('open', 'frozen', 'closed')),
  account_class TEXT NOT NULL CHECK (account_class IN ('I', 'II', 'III')),
  holder_name TEXT,
  id_number_hmac TEXT,
  id_number_masked TEXT
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS class_limit_usage (
  account_hmac TEXT NOT NULL,
  business_date TEXT NOT NULL,
  used_fen INTEGER NOT NULL,
  PRIMARY KEY (account_hmac, business_date)
) WITHOUT ROWID;

-- Every message received, duplicates included; a duplicate points at the first one (first_id).
CREATE TABLE IF NOT EXISTS received (
  id INTEGER PRIMARY KEY,
  channel TEXT NOT NULL,
  end_to_end_id TEXT NOT NULL,
  first_id INTEGER REFERENCES received (id),
  account_hmac TEXT NOT NULL,
  account_masked TEXT NOT NULL,
  amount_fen INTEGER NOT NULL,
  received_at_ms INTEGER NOT NULL,
  outcome TEXT NOT NULL,
  direction TEXT NOT NULL DEFAULT 'debit' CHECK (direction IN ('debit', 'credit'))
);
CREATE UNIQUE INDEX IF NOT EXISTS received_first_by_end_to_end_id
  ON received (channel, end_to_end_id) WHERE first_id IS NULL;
CREATE INDEX IF NOT EXISTS received_by_account ON received (account_hmac, id);
-- A channel's statement: its first messages (what it decided) in time order, a page at a time.
CREATE INDEX IF NOT EXISTS received_first_by_channel_time
  ON received (channel, received_at_ms, id) WHERE first_id IS NULL;

-- The attempts a query was answered not_found for: a message of one of them is refused from then
-- on (docs/sandbox-protocol.md, attempt numbers).
CREATE TABLE IF NOT EXISTS reported_not_found (
  channel TEXT NOT NULL,
  end_to_end_id TEXT NOT NULL,
  attempt INTEGER NOT NULL,
  PRIMARY KEY (channel, end_to_end_id, attempt)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS faults (
  channel TEXT NOT NULL,
  mode TEXT NOT NULL,
  rate REAL NOT NULL,
  count_remaining INTEGER,
  delay_ms INTEGER,
  seed INTEGER NOT NULL,
  prng_state INTEGER NOT NULL,
  PRIMARY KEY (channel, mode)
) WITHOUT ROWID;

-- Discrepancies injected into a channel's statements (fault mode 'statement'), one per kind.
CREATE TABLE IF NOT EXISTS statement_faults (
  channel TEXT NOT NULL,
  discrepancy TEXT NOT NULL,
  rate REAL NOT NULL,
  seed INTEGER NOT NULL,
  PRIMARY KEY (channel, discrepancy)
) WITHOUT ROWID;
`;

const CLOCK_OFFSET_SETTING = 'clock_offset_ms';

export interface ReceiveInput {
  channel: string;
  endToEndId: string;
  amountFen: number;
  accountHmac: string;
  accountMasked: string;
  holderName?: string | undefined;
  idNumberHmac?: string | undefined;
  receivedAtMs: number;
  /** The Shanghai business date of `receivedAtMs`, for the daily class limit. */
  businessDate: string;
  /** `debit` (draws on the account) unless given: a payout is a `credit`. */
  direction?: Direction | undefined;
  /** The sender's attempt number, when the message carries one. */
  attempt?: number | undefined;
}

/**
 * What became of a message: received (recorded, and applied unless a duplicate), or refused
 * unrecorded because a query was answered not_found for its attempt.
 */
export type ReceiveResult =
  | { kind: 'received'; channelReference: string; outcome: ReceivedOutcome }
  | { kind: 'refused_reported_not_found' };

/** One id a query message asks about; `attempt` null for a query of the first protocol version. */
export interface DebitQueryInput {
  endToEndId: string;
  attempt: number | null;
}

/** The first message a channel received under an end_to_end_id: what a query reports. */
export interface ReceivedDebit {
  channelReference: string;
  amountFen: number;
  receivedAtMs: number;
  outcome: DebitOutcome;
}

export interface ReceivedEntry {
  /** The entry's place in the log, unique across accounts: the cursor of a page. */
  id: number;
  channel: string;
  channelReference: string;
  endToEndId: string;
  amountFen: number;
  receivedAtMs: number;
  outcome: ReceivedOutcome;
  direction: Direction;
}

/**
 * One instruction a channel decided, as its statement lists it (statements.ts): a row as SQLite
 * gives it, not an object, since a statement reads up to a million of them.
 */
export type DecidedEntry = [id: number, endToEndId: string, amountFen: number, receivedAtMs: number, outcome: DebitOutcome, direction: Direction];

export interface StatementFaultRow {
  channel: string;
  discrepancy: string;
  rate: number;
  seed: number;
}

export interface StoredAccount extends AccountState {
  accountMasked: string;
  idNumberMasked: string | null;
}

/** A change to an account; null clears a holder name or ID number, undefined keeps it. */
export interface AccountPatch {
  balanceFen?: number | undefined;
  status?: AccountStatus | undefined;
  accountClass?: AccountClass | undefined;
  holderName?: string | null | undefined;
  idNumber?: { hmac: string; masked: string } | null | undefined;
}

interface AccountRow {
  account_masked: string;
  balance_fen: number;
  status: AccountStatus;
  account_class: AccountClass;
  holder_name: string | null;
  id_number_hmac: string | null;
  id_number_masked: string | null;
}

interface FirstRow {
  id: number;
  amount_fen: number;
  received_at_ms: number;
  outcome: DebitOutcome;
}

interface EntryRow {
  id: number;
  first_id: number | null;
  channel: string;
  end_to_end_id: string;
  amount_fen: number;
  received_at_ms: number;
  outcome: ReceivedOutcome;
  direction: Direction;
}

interface FaultRow {
  channel: string;
  mode: FaultMode;
  rate: number;
  count_remaining: number | null;
  delay_ms: number | null;
  seed: number;
  prng_state: number;
}

/** Channel references are derived from the first message's row id: unique, stable, opaque enough. */
export function channelReferenceOf(firstId: number): string {
  return `SBX${String(firstId).padStart(14, '0')}`;
}

export function defaultAccount(accountMasked: string): StoredAccount {
  return {
    accountMasked,
    balanceFen: DEFAULT_BALANCE_FEN,
    status: DEFAULT_STATUS,
    accountClass: DEFAULT_CLASS,
    holderName: null,
    idNumberHmac: null,
    idNumberMasked: null,
  };
}

export class SandboxStore implements FaultStore {
  readonly #db: Database.Database;
  // Every statement is prepared once, here; a request does no schema or parsing work.
  readonly #statements;
  readonly #receive: (input: ReceiveInput) => ReceiveResult;
  readonly #receiveMany: (inputs: ReceiveInput[]) => ReceiveResult[];
  readonly #findMany: (channel: string, endToEndIds: readonly string[]) => (ReceivedDebit | undefined)[];
  readonly #answerQueries: (channel: string, queries: readonly DebitQueryInput[]) => (ReceivedDebit | undefined)[];
  /**
   * Whether any attempt was ever reported not found: until one is, receiving skips the lookup
   * (one process owns the file, so this cannot go stale).
   */
  #anyReportedNotFound: boolean;
  readonly #updateAccount: (hmac: string, masked: string, patch: AccountPatch) => StoredAccount;

  constructor(dataDir: string) {
    // The sandbox keeps (simulated) account holders' data: private to this user, like the hub's.
    ensurePrivateFile(join(dataDir, SANDBOX_DB_FILE));
    this.#db = new Database(join(dataDir, SANDBOX_DB_FILE));
    this.#db.pragma('journal_mode = WAL');
    this.#db.pragma('synchronous = NORMAL');
    this.#db.pragma('busy_timeout = 5000');
    this.#db.exec(SCHEMA);
    // A sandbox file from before payouts: every entry it holds was a debit.
    const columns = this.#db.prepare<[], { name: string }>('SELECT name FROM pragma_table_info(\'received\')').all();
    if (!columns.some((column) => column.name === 'direction')) {
      this.#db.exec(`ALTER TABLE received ADD COLUMN direction TEXT NOT NULL DEFAULT 'debit' CHECK (direction IN ('debit', 'credit'))`);
    }
    const db = this.#db;
    this.#statements = {
      getSetting: db.prepare<[string], { value: number }>('SELECT value FROM settings WHERE name = ?'),
      putSetting: db.prepare<[string, number]>(
        'INSERT INTO settings (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value',
      ),
      getAccount: db.prepare<[string], AccountRow>(
        `SELECT account_masked, balance_fen, status, account_class, holder_name, id_number_hmac, id_number_masked
           FROM accounts WHERE account_hmac = ?`,
      ),
      putAccount: db.prepare<[string, string, number, AccountStatus, AccountClass, string | null, string | null, string | null]>(
        `INSERT INTO accounts (account_hmac, account_masked, balance_fen, status, account_class, holder_name,
                               id_number_hmac, id_number_masked)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (account_hmac) DO UPDATE SET
           balance_fen = excluded.balance_fen, status = excluded.status, account_class = excluded.account_class,
           holder_name = excluded.holder_name, id_number_hmac = excluded.id_number_hmac,
           id_number_masked = excluded.id_number_masked`,
      ),
      getUsage: db.prepare<[string, string], { used_fen: number }>(
        'SELECT used_fen FROM class_limit_usage WHERE account_hmac = ? AND business_date = ?',
      ),
      addUsage: db.prepare<[string, string, number]>(
        `INSERT INTO class_limit_usage (account_hmac, business_date, used_fen) VALUES (?, ?, ?)
         ON CONFLICT (account_hmac, business_date) DO UPDATE SET used_fen = used_fen + excluded.used_fen`,
      ),
      // Earlier days can never count again; dropping them keeps the table at one row per account.
      pruneUsage: db.prepare<[string, string]>(
        'DELETE FROM class_limit_usage WHERE account_hmac = ? AND business_date < ?',
      ),
      getFirst: db.prepare<[string, string], FirstRow>(
        `SELECT id, amount_fen, received_at_ms, outcome FROM received
          WHERE channel = ? AND end_to_end_id = ? AND first_id IS NULL`,
      ),
      // A message's ids in one statement: [channel, end_to_end_id] pairs as a JSON array.
      getFirsts: db.prepare<[string], FirstRow & { channel: string; end_to_end_id: string }>(
        `SELECT r.id, r.channel, r.end_to_end_id, r.amount_fen, r.received_at_ms, r.outcome
           FROM json_each(?) AS asked
           JOIN received AS r ON r.channel = asked.value ->> 0 AND r.end_to_end_id = asked.value ->> 1 AND r.first_id IS NULL`,
      ),
      getAccounts: db.prepare<[string], AccountRow & { account_hmac: string }>(
        `SELECT account_hmac, account_masked, balance_fen, status, account_class, holder_name, id_number_hmac, id_number_masked
           FROM accounts WHERE account_hmac IN (SELECT value FROM json_each(?))`,
      ),
      lastReceivedId: db.prepare<[], { id: number | null }>('SELECT max(id) AS id FROM received'),
      listReceived: db.prepare<[string, number, number], EntryRow>(
        `SELECT id, first_id, channel, end_to_end_id, amount_fen, received_at_ms, outcome, direction FROM received
          WHERE account_hmac = ? AND id < ? ORDER BY id DESC LIMIT ?`,
      ),
      isReportedNotFound: db.prepare<[string, string, number], { found: number }>(
        'SELECT 1 AS found FROM reported_not_found WHERE channel = ? AND end_to_end_id = ? AND attempt = ?',
      ),
      reportNotFound: db.prepare<[string, string, number]>(
        'INSERT INTO reported_not_found (channel, end_to_end_id, attempt) VALUES (?, ?, ?) ON CONFLICT DO NOTHING',
      ),
      anyReportedNotFound: db.prepare<[], { found: number }>('SELECT 1 AS found FROM reported_not_found LIMIT 1'),
      loadFaults: db.prepare<[], FaultRow>(
        'SELECT channel, mode, rate, count_remaining, delay_ms, seed, prng_state FROM faults',
      ),
      putFault: db.prepare<[string, FaultMode, number, number | null, number | null, number, number]>(
        `INSERT INTO faults (channel, mode, rate, count_remaining, delay_ms, seed, prng_state)
         VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (channel, mode) DO UPDATE SET
           rate = excluded.rate, count_remaining = excluded.count_remaining, delay_ms = excluded.delay_ms,
           seed = excluded.seed, prng_state = excluded.prng_state`,
      ),
      deleteFault: db.prepare<[string, FaultMode]>('DELETE FROM faults WHERE channel = ? AND mode = ?'),
      deleteChannelFaults: db.prepare<[string]>('DELETE FROM faults WHERE channel = ?'),
      deleteAllFaults: db.prepare<[]>('DELETE FROM faults'),
      // Keyset pages over (received_at_ms, id): each page is read whole, so no cursor stays open
      // on the connection while a statement streams out.
      decidedPage: db.prepare<[string, number, number, number, number], DecidedEntry>(
        `SELECT id, end_to_end_id, amount_fen, received_at_ms, outcome, direction FROM received
          WHERE channel = ? AND first_id IS NULL AND received_at_ms < ? AND (received_at_ms, id) > (?, ?)
          ORDER BY received_at_ms, id LIMIT ?`,
      ).raw(true),
      loadStatementFaults: db.prepare<[], StatementFaultRow>(
        'SELECT channel, discrepancy, rate, seed FROM statement_faults ORDER BY channel, discrepancy',
      ),
      putStatementFault: db.prepare<[string, string, number, number]>(
        `INSERT INTO statement_faults (channel, discrepancy, rate, seed) VALUES (?, ?, ?, ?)
         ON CONFLICT (channel, discrepancy) DO UPDATE SET rate = excluded.rate, seed = excluded.seed`,
      ),
      deleteChannelStatementFaults: db.prepare<[string]>('DELETE FROM statement_faults WHERE channel = ?'),
      deleteAllStatementFaults: db.prepare<[]>('DELETE FROM statement_faults'),
    };
    this.#receiveMany = db.transaction((inputs: ReceiveInput[]) => this.#receiveInTransaction(inputs));
    this.#receive = (input: ReceiveInput) => this.#receiveMany([input])[0]!;
    // A deferred transaction that only reads: one snapshot for the whole message, and one
    // read lock taken instead of one per id.
    this.#findMany = db.transaction((channel: string, endToEndIds: readonly string[]) => endToEndIds.map((id) => this.findDebit(channel, id)));
    this.#answerQueries = db.transaction((channel: string, queries: readonly DebitQueryInput[]) => {
      const firsts = this.#firsts(queries.map(({ endToEndId }) => [channel, endToEndId]));
      return queries.map(({ endToEndId, attempt }) => {
        const first = firsts.get(firstKey(channel, endToEndId));
        const debit = first === undefined ? undefined : receivedDebit(first);
        if (debit === undefined && attempt !== null) {
          this.#statements.reportNotFound.run(channel, endToEndId, attempt);
          this.#anyReportedNotFound = true;
        }
        return debit;
      });
    });
    this.#anyReportedNotFound = this.#statements.anyReportedNotFound.get() !== undefined;
    this.#updateAccount = db.transaction((hmac: string, masked: string, patch: AccountPatch) =>
      this.#updateAccountInTransaction(hmac, masked, patch),
    );
  }

  /**
   * Records a debit message and, unless it repeats an end_to_end_id the channel already holds,
   * decides its outcome and applies it (balance, daily class-limit usage) — all in one
   * transaction, so a crash leaves either all of it or none.
   */
  receiveDebit(input: ReceiveInput): ReceiveResult {
    return this.#receive(input);
  }

  /** A batch of messages, as collection centers take them: all recorded in one transaction. */
  receiveDebits(inputs: ReceiveInput[]): ReceiveResult[] {
    return this.#receiveMany(inputs);
  }

  /**
   * Records a message's debits in order, as if one at a time: a later item sees what an earlier
   * one did (its balance, its daily usage, its end_to_end_id now held). Read and written a
   * message at a time — the ids held and the accounts in one statement each, the entries and the
   * balances in multi-row statements — where one debit took four statements.
   */
  #receiveInTransaction(inputs: readonly ReceiveInput[]): ReceiveResult[] {
    const s = this.#statements;
    const firsts = this.#firsts(inputs.map((input) => [input.channel, input.endToEndId]));
    const accounts = this.#accountRows([...new Set(inputs.map((input) => input.accountHmac))]);
    const usage = new Map<string, number>();
    const moved = new Map<string, StoredAccount>();
    const entries: ReceivedRow[] = [];
    // The ids SQLite would give one insert at a time: the largest so far, plus one.
    let nextId = (s.lastReceivedId.get()?.id ?? 0) + 1;
    const results = inputs.map((input): ReceiveResult => {
      if (this.#anyReportedNotFound && input.attempt !== undefined && s.isReportedNotFound.get(input.channel, input.endToEndId, input.attempt) !== undefined) {
        return { kind: 'refused_reported_not_found' };
      }
      const direction = input.direction ?? 'debit';
      const key = firstKey(input.channel, input.endToEndId);
      const first = firsts.get(key);
      const id = nextId++;
      if (first !== undefined) {
        entries.push([id, input.channel, input.endToEndId, first.id, input.accountHmac, input.accountMasked, input.amountFen, input.receivedAtMs, 'duplicate', direction]);
        return { kind: 'received', channelReference: channelReferenceOf(first.id), outcome: 'duplicate' };
      }
      const account = accounts.get(input.accountHmac) ?? defaultAccount(input.accountMasked);
      const limited = isLimitedClass(account.accountClass);
      const usageKey = `${input.accountHmac}|${input.businessDate}`;
      let usedTodayFen = 0;
      if (limited) {
        usedTodayFen = usage.get(usageKey) ?? s.getUsage.get(input.accountHmac, input.businessDate)?.used_fen ?? 0;
        usage.set(usageKey, usedTodayFen);
      }
      const outcome = direction === 'credit' ? decideCredit(account, input, usedTodayFen) : decideDebit(account, input, usedTodayFen);
      entries.push([id, input.channel, input.endToEndId, null, input.accountHmac, input.accountMasked, input.amountFen, input.receivedAtMs, outcome, direction]);
      firsts.set(key, { id, amount_fen: input.amountFen, received_at_ms: input.receivedAtMs, outcome });
      if (outcome === 'succeeded') {
        const balanceFen = account.balanceFen + (direction === 'credit' ? input.amountFen : -input.amountFen);
        invariant(balanceFen >= 0, 'a succeeded debit never takes a balance below zero');
        const next = { ...account, balanceFen };
        accounts.set(input.accountHmac, next);
        moved.set(input.accountHmac, next);
        if (limited) {
          s.pruneUsage.run(input.accountHmac, input.businessDate);
          s.addUsage.run(input.accountHmac, input.businessDate, input.amountFen);
          usage.set(usageKey, usedTodayFen + input.amountFen);
        }
      }
      return { kind: 'received', channelReference: channelReferenceOf(id), outcome };
    });
    this.#rowsInserted(RECEIVED_INSERT, entries);
    this.#rowsInserted(BALANCE_PUT, [...moved].map(([hmac, account]) => [hmac, account.accountMasked, account.balanceFen, account.status, account.accountClass]));
    return results;
  }

  /** The first messages held under the given [channel, end_to_end_id] pairs, by firstKey. */
  #firsts(pairs: readonly (readonly [string, string])[]): Map<string, FirstRow> {
    const found = new Map<string, FirstRow>();
    if (pairs.length === 0) return found;
    for (const row of this.#statements.getFirsts.all(JSON.stringify(pairs))) found.set(firstKey(row.channel, row.end_to_end_id), row);
    return found;
  }

  /** The stored accounts among `hmacs`, by HMAC. */
  #accountRows(hmacs: readonly string[]): Map<string, StoredAccount> {
    const found = new Map<string, StoredAccount>();
    if (hmacs.length === 0) return found;
    for (const row of this.#statements.getAccounts.all(JSON.stringify(hmacs))) found.set(row.account_hmac, storedAccount(row));
    return found;
  }

  /** Runs a multi-row statement over `rows`, MULTI_ROWS at a time, the rest one by one. */
  #rowsInserted(statement: MultiRowStatement, rows: readonly (readonly unknown[])[]): void {
    let index = 0;
    if (rows.length >= MULTI_ROWS) {
      const many = this.#multiRow(statement, MULTI_ROWS);
      for (; index + MULTI_ROWS <= rows.length; index += MULTI_ROWS) many.run(rows.slice(index, index + MULTI_ROWS).flat());
    }
    if (index < rows.length) {
      const one = this.#multiRow(statement, 1);
      for (; index < rows.length; index += 1) one.run(rows[index]);
    }
  }

  readonly #prepared = new Map<string, Database.Statement>();

  #multiRow(statement: MultiRowStatement, rowCount: number): Database.Statement {
    const key = `${statement.head}|${rowCount}`;
    let prepared = this.#prepared.get(key);
    if (prepared === undefined) {
      prepared = this.#db.prepare(`${statement.head} VALUES ${Array.from({ length: rowCount }, () => statement.tuple).join(', ')}${statement.tail}`);
      this.#prepared.set(key, prepared);
    }
    return prepared;
  }

  findDebit(channel: string, endToEndId: string): ReceivedDebit | undefined {
    const row = this.#statements.getFirst.get(channel, endToEndId);
    if (row === undefined) return undefined;
    return {
      channelReference: channelReferenceOf(row.id),
      amountFen: row.amount_fen,
      receivedAtMs: row.received_at_ms,
      outcome: row.outcome,
    };
  }

  /** A query message: the answers to many ids read in one transaction, in order. */
  findDebits(channel: string, endToEndIds: readonly string[]): (ReceivedDebit | undefined)[] {
    return this.#findMany(channel, endToEndIds);
  }

  /**
   * A query message's answers, in order, read in one transaction; an id the channel does not hold,
   * asked with an attempt number, is recorded as reported not found for that attempt, so that a
   * message of that attempt arriving later is refused (`receiveDebit`).
   */
  answerQueries(channel: string, queries: readonly DebitQueryInput[]): (ReceivedDebit | undefined)[] {
    return this.#answerQueries(channel, queries);
  }

  /** The configured (or debited) account; undefined for one the sandbox has never touched. */
  account(accountHmac: string): StoredAccount | undefined {
    return this.#accountRow(accountHmac);
  }

  updateAccount(accountHmac: string, accountMasked: string, patch: AccountPatch): StoredAccount {
    return this.#updateAccount(accountHmac, accountMasked, patch);
  }

  #updateAccountInTransaction(accountHmac: string, accountMasked: string, patch: AccountPatch): StoredAccount {
    const current = this.#accountRow(accountHmac) ?? defaultAccount(accountMasked);
    const next: StoredAccount = {
      accountMasked: current.accountMasked,
      balanceFen: patch.balanceFen ?? current.balanceFen,
      status: patch.status ?? current.status,
      accountClass: patch.accountClass ?? current.accountClass,
      holderName: patch.holderName === undefined ? current.holderName : patch.holderName,
      idNumberHmac: patch.idNumber === undefined ? current.idNumberHmac : (patch.idNumber?.hmac ?? null),
      idNumberMasked: patch.idNumber === undefined ? current.idNumberMasked : (patch.idNumber?.masked ?? null),
    };
    this.#statements.putAccount.run(
      accountHmac, next.accountMasked, next.balanceFen, next.status, next.accountClass, next.holderName,
      next.idNumberHmac, next.idNumberMasked,
    );
    return next;
  }

  /**
   * The account's received log, newest first, at most `limit` entries; with `beforeId`, only
   * entries older than that one (a keyset page: the index on (account_hmac, id) serves it).
   */
  received(accountHmac: string, limit: number, beforeId: number = Number.MAX_SAFE_INTEGER): ReceivedEntry[] {
    return this.#statements.listReceived.all(accountHmac, beforeId, limit).map((row) => ({
      id: row.id,
      channel: row.channel,
      channelReference: channelReferenceOf(row.first_id ?? row.id),
      endToEndId: row.end_to_end_id,
      amountFen: row.amount_fen,
      receivedAtMs: row.received_at_ms,
      outcome: row.outcome,
      direction: row.direction,
    }));
  }

  clockOffsetMs(): number | null {
    return this.#statements.getSetting.get(CLOCK_OFFSET_SETTING)?.value ?? null;
  }

  saveClockOffsetMs(offsetMs: number): void {
    invariant(Number.isSafeInteger(offsetMs), 'a clock offset is a whole number of milliseconds');
    this.#statements.putSetting.run(CLOCK_OFFSET_SETTING, offsetMs);
  }

  loadFaults(): Fault[] {
    return this.#statements.loadFaults.all().map((row) => ({
      channel: row.channel,
      mode: row.mode,
      rate: row.rate,
      countRemaining: row.count_remaining,
      delayMs: row.delay_ms,
      seed: row.seed,
      prngState: row.prng_state,
    }));
  }

  saveFault(fault: Fault): void {
    this.#statements.putFault.run(
      fault.channel, fault.mode, fault.rate, fault.countRemaining, fault.delayMs, fault.seed, fault.prngState,
    );
  }

  deleteFault(channel: string, mode: FaultMode): void {
    this.#statements.deleteFault.run(channel, mode);
  }

  deleteChannelFaults(channel: string): void {
    this.#statements.deleteChannelFaults.run(channel);
  }

  deleteAllFaults(): void {
    this.#statements.deleteAllFaults.run();
  }

  /**
   * The channel's first messages received in [fromMs, toMs), in (received_at_ms, id) order, at
   * most `limit` of them after the entry `after` (exclusive): one page of a statement.
   */
  decidedPage(channel: string, fromMs: number, toMs: number, after: { atMs: number; id: number } | null, limit: number): DecidedEntry[] {
    // Without `after`, the first page starts at fromMs inclusive: (at, id) > (fromMs, 0).
    // A row value, not an OR of two comparisons, so that SQLite seeks the index to the page.
    return this.#statements.decidedPage.all(channel, toMs, after?.atMs ?? fromMs, after?.id ?? 0, limit);
  }

  loadStatementFaults(): StatementFaultRow[] {
    return this.#statements.loadStatementFaults.all();
  }

  saveStatementFault(fault: StatementFaultRow): void {
    this.#statements.putStatementFault.run(fault.channel, fault.discrepancy, fault.rate, fault.seed);
  }

  deleteChannelStatementFaults(channel: string): void {
    this.#statements.deleteChannelStatementFaults.run(channel);
  }

  deleteAllStatementFaults(): void {
    this.#statements.deleteAllStatementFaults.run();
  }

  close(): void {
    if (this.#db.open) this.#db.close();
  }

  #accountRow(accountHmac: string): StoredAccount | undefined {
    const row = this.#statements.getAccount.get(accountHmac);
    return row === undefined ? undefined : storedAccount(row);
  }
}

function storedAccount(row: AccountRow): StoredAccount {
  return {
    accountMasked: row.account_masked,
    balanceFen: row.balance_fen,
    status: row.status,
    accountClass: row.account_class,
    holderName: row.holder_name,
    idNumberHmac: row.id_number_hmac,
    idNumberMasked: row.id_number_masked,
  };
}

function receivedDebit(row: FirstRow): ReceivedDebit {
  return { channelReference: channelReferenceOf(row.id), amountFen: row.amount_fen, receivedAtMs: row.received_at_ms, outcome: row.outcome };
}

function firstKey(channel: string, endToEndId: string): string {
  return `${channel}\u0000${endToEndId}`;
}

/** An entry of the received log, in RECEIVED_INSERT's column order. */
type ReceivedRow = [id: number, channel: string, endToEndId: string, firstId: number | null, accountHmac: string, accountMasked: string, amountFen: number, receivedAtMs: number, outcome: ReceivedOutcome, direction: Direction];

/** A multi-row statement: `head VALUES tuple, tuple, … tail`. */
interface MultiRowStatement {
  head: string;
  tuple: string;
  tail: string;
}

/** Rows per multi-row statement: 100 × 10 parameters, well under SQLite's limit. */
const MULTI_ROWS = 100;

const RECEIVED_INSERT: MultiRowStatement = {
  head: 'INSERT INTO received (id, channel, end_to_end_id, first_id, account_hmac, account_masked, amount_fen, received_at_ms, outcome, direction)',
  tuple: '(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
  tail: '',
};

const BALANCE_PUT: MultiRowStatement = {
  head: 'INSERT INTO accounts (account_hmac, account_masked, balance_fen, status, account_class)',
  tuple: '(?, ?, ?, ?, ?)',
  tail: ' ON CONFLICT (account_hmac) DO UPDATE SET balance_fen = excluded.balance_fen',
};
