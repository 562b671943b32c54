import { sql, type Kysely } from 'kysely';
import { GroupCommit } from '../../src/app/group-commit.js';
import { DEFAULT_BATCH_SETTINGS, type AppContext, type WorkerSettings } from '../../src/app/context.js';
import { OBJECT_PRESENTERS, presentCreatedDebit, presentCreatedPayout } from '../../src/http/presenters.js';
import { createDebit, type CreateDebitInput } from '../../src/app/debits.js';
import { AppError } from '../../src/app/errors.js';
import { ensureDefaultPlans, putFeePlan } from '../../src/app/fee-plans.js';
import { createMandate } from '../../src/app/mandates.js';
import { createMerchant } from '../../src/app/merchants.js';
import { createPayout, type CreatePayoutInput } from '../../src/app/payouts.js';
import { createRefund } from '../../src/app/refunds.js';
import { runSettlement } from '../../src/app/settlements.js';
import type { MandateRow, Store } from '../../src/app/ports.js';
import { ChannelConnectors } from '../../src/app/connector-registry.js';
import { RoutingTable } from '../../src/app/routing-table.js';
import { loadScenario } from '../../src/app/scenarios.js';
import { SubmissionWorker } from '../../src/app/submission-worker.js';
import { accounts, businessDate, CN_CALENDAR, FlowTable, ledgerTransaction, SequentialIds } from '../../src/core/index.js';
import { createLogger } from '../../src/logger.js';
import { Vault } from '../../src/security/vault.js';
import { migrateToLatest, type Engine } from '../../src/storage/database.js';
import { openStore } from '../../src/storage/kysely-store.js';
import { FakeChannel } from './fake-channel.js';
import { CrashPoint, crashingStore, leaseIgnoringStore, releaseDroppingStore, SimulatedCrash } from './faulty-store.js';
import { checkFinal, checkInvariants, createCheckerIndexes } from './invariants.js';
import { ManualClock } from './manual-clock.js';
import { Prng } from './prng.js';

export interface SimulationOptions {
  engine: Engine;
  seed: number;
  steps: number;
  /** PostgreSQL: the URL of a fresh, empty database. SQLite runs in memory. */
  databaseUrl?: string | null;
  /** TEST ONLY: a second worker may claim an attempt another worker leased (faulty-store.ts). */
  brokenFence?: boolean;
  /** TEST ONLY: a failed payout's reservation is never given back (faulty-store.ts). */
  lostRelease?: boolean;
}

export interface SimulationReport {
  seed: number;
  steps: number;
  debits: Record<string, number>;
  payouts: Record<string, number>;
  /** Refunds (payouts of kind refund) by status. */
  refunds: Record<string, number>;
  channel: FakeChannel['stats'];
  crashes: number;
  nodes: number;
}

/** A violated invariant: the message starts `seed=… step=…`, which replays it. */
export class SimulationFailure extends Error {
  override readonly name = 'SimulationFailure';

  constructor(
    readonly seed: number,
    readonly step: number,
    readonly violations: readonly string[],
    readonly trace: readonly string[],
  ) {
    super(`seed=${seed} step=${step}: ${violations.slice(0, 5).join('; ')}${violations.length > 5 ? ` (and ${violations.length - 5} more)` : ''}\nlast steps:\n  ${trace.join('\n  ')}`);
  }
}

/**
 * Short intervals, so that a few thousand steps see many leases run out and many backoffs pass;
 * the connector's timeout stays under the lease, as in production (a request on the wire has
 * arrived or is lost before its attempt's lease runs out).
 */
export const WORKERS: WorkerSettings = { leaseMs: 10_000, queryIntervalMs: 500, backoffMsMax: 8_000, batchSize: 6, notSentAttemptsMax: 5, idleMs: 10, idleMsMax: 10 };
const CONNECTOR_TIMEOUT_MS = 4_000;
/** A quarter of an hour before a month ends in Shanghai: the month turns during the run. */
export const START = new Date('2026-03-31T23:45:00+08:00');
const STEP_WEIGHTS = { create: 22, payout: 8, refund: 6, submit: 20, query: 20, advance: 16, settle: 2, release: 10, kill: 3, crash: 5, spawn: 2 } as const;
/** What each merchant has in `available` at the start, so that payouts have money to draw on and run out of it. */
const FUNDED_FEN = 1_500_000;
/** Payees: a personal ICBC card (ICBC's direct link) and a corporate account (NetsUnion) in cn-2017. */
const PAYEES = [
  { account_number: cardNumber('622202', 9_001), account_kind: 'personal', holder_name: '李四' },
  { account_number: '4403010012345600017', account_kind: 'corporate', medium: 'bank_account', bank_code: 'CCB', holder_name: '深圳市某某有限公司' },
] as const;
const NODES_MAX = 3;
/** Rounds of the healthy phase at the end before a debit still open is a violation. */
const SETTLE_ROUNDS_MAX = 60;
const TRACE_LENGTH = 40;
const FULL_CHECK_EVERY = 100;

interface Round {
  id: number;
  kind: 'submit' | 'query';
  node: Node;
  settled: boolean;
  /** Set when the round ended: null when it completed. */
  failure: unknown;
  done: Promise<void>;
}

/** One process of the hub: its own worker (a different owner), routing table and crash point. */
interface Node {
  name: string;
  alive: boolean;
  crash: CrashPoint;
  worker: SubmissionWorker;
  rounds: { submit: Round | null; query: Round | null };
}

interface Mandate {
  id: string;
  merchantId: string;
}

interface Merchant {
  id: string;
}

/**
 * Drives the real use cases, submission worker and store against the fake channel, one seeded
 * step at a time, and checks the invariants after every step. Throws SimulationFailure on the
 * first violation.
 */
export async function simulate(options: SimulationOptions): Promise<SimulationReport> {
  const world = await World.open(options);
  try {
    return await world.run();
  } finally {
    await world.close();
  }
}

class World {
  readonly prng: Prng;
  readonly channel: FakeChannel;
  readonly nodes: Node[] = [];
  readonly mandates: Mandate[] = [];
  readonly merchants: Merchant[] = [];
  readonly trace: string[] = [];
  step = 0;
  crashes = 0;
  #rounds = 0;
  #references = 0;
  #payoutReferences = 0;
  /** The clock when the invariants were last checked: the next check reads what changed since. */
  #checkedAt: string | null = null;

  private constructor(
    readonly options: SimulationOptions,
    readonly store: Store,
    readonly db: Kysely<unknown>,
    readonly clock: ManualClock,
    readonly api: AppContext,
  ) {
    this.prng = new Prng(options.seed);
    this.channel = new FakeChannel(this.prng, clock, CONNECTOR_TIMEOUT_MS);
  }

  static async open(options: SimulationOptions): Promise<World> {
    const { store, db } = openStore(options.engine === 'sqlite' ? { engine: 'sqlite', file: ':memory:' } : { engine: 'postgres', url: options.databaseUrl!, poolSize: 4 });
    await migrateToLatest(db);
    await createCheckerIndexes(db as unknown as Kysely<unknown>);
    const clock = new ManualClock(START);
    const base = baseContext(store, clock);
    return new World(options, store, db as unknown as Kysely<unknown>, clock, base);
  }

  close(): Promise<void> {
    return this.store.close();
  }

  /** A context like main.ts builds, with this node's store, routing table and connectors. */
  #context(store: Store, node: string): AppContext {
    const connectors = new ChannelConnectors((channel) => this.channel.flows(node, channel.id));
    return { ...this.api, store, connectors, routing: new RoutingTable(store, this.clock, (channels) => connectors.load(channels)) };
  }

  async run(): Promise<SimulationReport> {
    await this.#setUp();
    this.#spawn();
    for (this.step = 1; this.step <= this.options.steps; this.step += 1) {
      this.channel.step = this.step;
      await this.#randomStep();
      await this.#check();
    }
    await this.#settle();
    const { rows } = await sql<{ status: string; count: number | string }>`select status, count(*) as count from debits group by status`.execute(this.db);
    const { rows: payouts } = await sql<{ status: string; count: number | string }>`select status, count(*) as count from payouts where kind = 'payout' group by status`.execute(this.db);
    const { rows: refunds } = await sql<{ status: string; count: number | string }>`select status, count(*) as count from payouts where kind = 'refund' group by status`.execute(this.db);
    return {
      seed: this.options.seed,
      steps: this.options.steps,
      debits: Object.fromEntries(rows.map((row) => [row.status, Number(row.count)])),
      payouts: Object.fromEntries(payouts.map((row) => [row.status, Number(row.count)])),
      refunds: Object.fromEntries(refunds.map((row) => [row.status, Number(row.count)])),
      channel: { ...this.channel.stats },
      crashes: this.crashes,
      nodes: this.nodes.length,
    };
  }

  /** A merchant on cumulative plans, one on the standard plan, and mandates with monthly limits, through the use cases. */
  async #setUp(): Promise<void> {
    await ensureDefaultPlans(this.api);
    await loadScenario(this.api, 'cn-2017');
    await putFeePlan(this.api, { id: 'sim-tiers', side: 'merchant', title: 'Simulation: marginal tiers', schedule: { tiers: [{ up_to: 200_000, rate: '0.003' }, { rate: '0.001' }], min: 5 } });
    await putFeePlan(this.api, { id: 'sim-allowance', side: 'payer', title: 'Simulation: a free monthly allowance', schedule: { allowance: 100_000, rate: '0.002', min: 1 } });
    const settlement = { account_number: '4403010012345678901', bank_code: 'ICBC', region_code: '440300', holder_name: '深圳市水务集团有限公司' };
    const water = await createMerchant(this.api, { name: '深圳市水务集团', category: 'utility', settlement_account: settlement, fee_plan: 'sim-tiers', payer_fee_plan: 'sim-allowance' });
    const telecom = await createMerchant(this.api, { name: '深圳电信', category: 'telecom', settlement_account: { ...settlement, holder_name: '深圳电信有限公司' } });
    const payers = [
      { bin: '622202', idNumber: '110105194912310038' },
      { bin: '621700', idNumber: '110105194912310038' },
      { bin: '622202', idNumber: undefined },
      { bin: '621700', idNumber: undefined },
      { bin: '622848', idNumber: undefined },
    ];
    for (const merchant of [water.merchant, telecom.merchant]) {
      this.merchants.push({ id: merchant.id });
      await this.#fund(merchant.id, FUNDED_FEN);
    }
    let serial = 0;
    for (const merchant of [water.merchant, telecom.merchant]) {
      for (const payer of payers) {
        serial += 1;
        const limits = this.prng.chance(0.7) ? { monthly_max: this.prng.pick([30_000, 80_000, 200_000]), ...(this.prng.chance(0.3) ? { per_debit_max: 50_000 } : {}) } : undefined;
        const mandate: MandateRow = await createMandate(this.api, merchant.id, {
          payer: { account_number: cardNumber(payer.bin, 1_000 + serial), account_kind: 'personal', medium: 'bank_card', holder_name: '张三', ...(payer.idNumber === undefined ? {} : { id_number: payer.idNumber }) },
          agreement_number: `SIM-${serial}`,
          signed_at: '2026-01-01',
          ...(limits === undefined ? {} : { limits }),
        });
        this.mandates.push({ id: mandate.id, merchantId: merchant.id });
      }
    }
  }

  /** Money in a merchant's `available`, as settlement of earlier days would have put it: a balanced funding transaction. */
  async #fund(merchantId: string, amountFen: number): Promise<void> {
    const now = this.clock.now();
    await this.store.postLedgerTransactions([
      {
        id: this.api.ids.next('ledgerTransaction'),
        transaction: ledgerTransaction('simulation_funding', 'simulation', merchantId, [
          { account: accounts.channelClearing('simulation-funding'), amountFen },
          { account: accounts.merchantAvailable(merchantId), amountFen: -amountFen },
        ]),
        at: now.toISOString(),
        businessDate: businessDate(now),
      },
    ]);
  }

  #spawn(): Node {
    const name = `node-${this.nodes.length + 1}`;
    const crash = new CrashPoint();
    let store = crashingStore(this.store, crash);
    if (this.options.brokenFence) store = leaseIgnoringStore(store, this.db);
    if (this.options.lostRelease) store = releaseDroppingStore(store);
    const node: Node = { name, alive: true, crash, worker: new SubmissionWorker(this.#context(store, name), name), rounds: { submit: null, query: null } };
    this.nodes.push(node);
    return node;
  }

  #live(): Node[] {
    return this.nodes.filter((node) => node.alive);
  }

  #log(what: string): void {
    this.trace.push(`${this.step}: ${what}`);
    if (this.trace.length > TRACE_LENGTH) this.trace.shift();
  }

  /** Checks what the step touched; everything every FULL_CHECK_EVERY steps (and at the end). */
  async #check(full = this.step % FULL_CHECK_EVERY === 0): Promise<void> {
    const since = full ? null : this.#checkedAt;
    this.#checkedAt = this.clock.now().toISOString();
    const violations = await checkInvariants(this.db, this.store, this.channel, since);
    if (violations.length > 0) throw new SimulationFailure(this.options.seed, this.step, violations, this.trace);
  }

  async #randomStep(): Promise<void> {
    const live = this.#live();
    const releasable = this.channel.held.filter((call) => !call.abandoned);
    const weights = {
      ...STEP_WEIGHTS,
      release: releasable.length === 0 ? 0 : STEP_WEIGHTS.release,
      kill: live.length === 0 ? 0 : STEP_WEIGHTS.kill,
      crash: live.length === 0 ? 0 : STEP_WEIGHTS.crash,
      spawn: live.length >= NODES_MAX ? 0 : STEP_WEIGHTS.spawn,
    };
    const choice = this.prng.weighted(weights);
    switch (choice) {
      case 'create':
        return this.#createDebits();
      case 'payout':
        return this.#createPayouts();
      case 'refund':
        return this.#createRefunds();
      case 'settle': {
        const run = await runSettlement(this.api);
        return this.#log(`settlement run: ${run.settlements.length} settlements, ${run.waiting.length} waiting`);
      }
      case 'submit':
      case 'query': {
        const kind = choice;
        const idle = live.filter((node) => node.rounds[kind] === null);
        if (idle.length === 0) return this.#log(`no idle node for a ${kind} round`);
        return this.#round(this.prng.pick(idle), kind);
      }
      case 'advance':
        return this.#advance(this.prng.weighted({ tick: 5, backoff: 3, lease: 2 }));
      case 'release':
        return this.#release(this.prng.pick(releasable));
      case 'kill':
        return this.#kill(this.prng.pick(live), 'killed');
      case 'crash': {
        const node = this.prng.pick(live);
        node.crash.callsLeft = this.prng.int(1, 14);
        return this.#log(`${node.name} will crash at its ${node.crash.callsLeft}th store call from now`);
      }
      case 'spawn':
        this.#log(`${this.#spawn().name} started`);
        return;
    }
  }

  /** One debit, or several at once under one mandate (they race for its monthly room). */
  async #createDebits(): Promise<void> {
    const mandate = this.prng.pick(this.mandates);
    const count = this.prng.chance(0.35) ? this.prng.int(2, 4) : 1;
    const inputs: CreateDebitInput[] = Array.from({ length: count }, () => {
      this.#references += 1;
      const amount = this.prng.weighted({ small: 5, medium: 3, large: 1 });
      return {
        mandate_id: mandate.id,
        amount: amount === 'small' ? this.prng.int(100, 5_000) : amount === 'medium' ? this.prng.int(5_000, 40_000) : this.prng.int(40_000, 120_000),
        currency: 'CNY',
        reference: `SIM-R-${this.#references}`,
      };
    });
    const results = await Promise.all(
      inputs.map((input) =>
        createDebit(this.api, mandate.merchantId, null, input, presentCreatedDebit).then(
          (response) => (response.body as { status: string }).status,
          (error: unknown) => {
            if (error instanceof AppError) return `refused ${error.kind}`;
            throw error;
          },
        ),
      ),
    );
    this.#log(`created ${count} under ${mandate.id}: ${results.join(', ')}`);
  }

  /** One payout, or several at once for one merchant (they race for its `available`). */
  async #createPayouts(): Promise<void> {
    const merchant = this.prng.pick(this.merchants);
    const count = this.prng.chance(0.4) ? this.prng.int(2, 4) : 1;
    const inputs: CreatePayoutInput[] = Array.from({ length: count }, () => {
      this.#payoutReferences += 1;
      return { payee: { ...this.prng.pick(PAYEES) }, amount: this.prng.int(1_000, 90_000), currency: 'CNY', reference: `SIM-P-${this.#payoutReferences}` };
    });
    const results = await Promise.all(
      inputs.map((input) =>
        createPayout(this.api, merchant.id, null, input, presentCreatedPayout).then(
          (response) => {
            const body = response.body as { status: string; failure?: { code: string } | null };
            return body.failure?.code === undefined ? body.status : `${body.status} ${body.failure.code}`;
          },
          (error: unknown) => {
            if (error instanceof AppError) return `refused ${error.kind}`;
            throw error;
          },
        ),
      ),
    );
    this.#log(`paid out ${count} for ${merchant.id}: ${results.join(', ')}`);
  }

  /**
   * Refunds of one succeeded debit, one or several at once (they race for what is left to refund
   * and, with settlement steps, for the debit's row): any amount up to the whole debit, so that
   * some are refused for exceeding it.
   */
  async #createRefunds(): Promise<void> {
    const { rows } = await sql<{ id: string; merchant_id: string; amount: number | string }>`select id, merchant_id, amount from debits where status = 'succeeded' order by id`.execute(this.db);
    if (rows.length === 0) return this.#log('no succeeded debit to refund');
    const debit = this.prng.pick(rows);
    const count = this.prng.chance(0.4) ? this.prng.int(2, 4) : 1;
    const results = await Promise.all(
      Array.from({ length: count }, () => {
        const input = this.prng.chance(0.3) ? {} : { amount: this.prng.int(1, Number(debit.amount)) };
        return createRefund(this.api, debit.merchant_id, null, debit.id, input, presentCreatedPayout).then(
          (response) => {
            const body = response.body as { status: string; amount: number; failure?: { code: string } | null };
            return body.failure?.code === undefined ? `${body.status} ${body.amount}` : `${body.status} ${body.failure.code}`;
          },
          (error: unknown) => {
            if (error instanceof AppError) return `refused ${error.kind}`;
            throw error;
          },
        );
      }),
    );
    this.#log(`refunded ${debit.id} ${count} times: ${results.join(', ')}`);
  }

  /** Starts a round; returns when it ended or waits on a held channel call (it is then resumed later). */
  async #round(node: Node, kind: 'submit' | 'query'): Promise<void> {
    this.#rounds += 1;
    this.channel.round = this.#rounds;
    const held = this.channel.nextHold();
    const round: Round = { id: this.#rounds, kind, node, settled: false, failure: null, done: Promise.resolve() };
    round.done = (kind === 'submit' ? node.worker.submitRound() : node.worker.queryRound()).then(
      () => {
        round.settled = true;
      },
      (error: unknown) => {
        round.settled = true;
        round.failure = error;
      },
    );
    node.rounds[kind] = round;
    await Promise.race([round.done, held]);
    if (round.settled) await this.#finish(round);
    else this.#log(`${node.name} ${kind} round ${round.id} waits on the channel`);
  }

  /**
   * A round whose held calls were all answered runs on: to its end, or until it waits on the
   * channel again (a round sends debits, then payouts: a payout may be held after a debit was).
   */
  async #continue(round: Round): Promise<void> {
    this.channel.round = round.id;
    const held = this.channel.nextHold();
    await Promise.race([round.done, held]);
    if (round.settled) await this.#finish(round);
    else this.#log(`${round.node.name} ${round.kind} round ${round.id} waits on the channel again`);
  }

  /** A round ended: a simulated crash kills its node; any other error is a defect of the hub. */
  async #finish(round: Round): Promise<void> {
    await round.done;
    if (round.node.rounds[round.kind] === round) round.node.rounds[round.kind] = null;
    if (round.failure === null) {
      this.#log(`${round.node.name} ${round.kind} round ${round.id} done`);
      return;
    }
    if (round.failure instanceof SimulatedCrash) {
      this.crashes += 1;
      this.#kill(round.node, `${round.failure.message} in its ${round.kind} round ${round.id}`);
      return;
    }
    throw new SimulationFailure(this.options.seed, this.step, [`${round.node.name}'s ${round.kind} round failed: ${String(round.failure)}`], this.trace);
  }

  /** The node dies: its held calls are never answered to it; a new node (a new owner) takes over when none is left. */
  #kill(node: Node, why: string): void {
    node.alive = false;
    node.crash.callsLeft = null;
    this.channel.abandon(node.name);
    this.#log(`${node.name} died (${why})`);
    if (this.#live().length === 0) this.#log(`${this.#spawn().name} started`);
  }

  /** Resumes a round waiting on the channel, answering one of its calls in time. */
  async #release(call: FakeChannel['held'][number]): Promise<void> {
    const roundId = this.channel.release(call);
    this.#log(`released a ${call.mode} call of ${call.node} (round ${roundId})`);
    await this.#resume(roundId);
  }

  /** A round whose calls are all answered runs on to its end. */
  async #resume(roundId: number): Promise<void> {
    if (this.channel.heldCallsOf(roundId).length > 0) return;
    for (const node of this.#live()) {
      for (const round of [node.rounds.submit, node.rounds.query]) if (round?.id === roundId) await this.#continue(round);
    }
  }

  /** Moves the clock; connector timeouts that pass on the way fire at their own instant, in order. */
  async #advance(how: 'tick' | 'backoff' | 'lease'): Promise<void> {
    const byMs = how === 'tick' ? this.prng.int(50, 600) : how === 'backoff' ? this.prng.int(1_000, WORKERS.backoffMsMax) : WORKERS.leaseMs + this.prng.int(1, 3_000);
    await this.#advanceBy(byMs);
    this.#log(`clock +${byMs} ms (${how})`);
  }

  async #advanceBy(byMs: number): Promise<void> {
    const target = this.clock.now().getTime() + byMs;
    for (;;) {
      const next = this.channel.held.filter((call) => call.deadlineMs !== null && call.deadlineMs <= target).sort((a, b) => a.deadlineMs! - b.deadlineMs!)[0];
      if (next === undefined) break;
      this.clock.set(next.deadlineMs!);
      // A round at a time: its calls time out and it runs on to its end or its next wait before the
      // next round's calls time out, so that a call a round makes is never taken for another's.
      const rounds = [...new Set(this.channel.held.filter((call) => call.deadlineMs !== null && call.deadlineMs <= next.deadlineMs!).map((call) => call.round))];
      for (const round of rounds) {
        const expired = this.channel.expire(next.deadlineMs!, round);
        for (const call of expired) this.#log(`a call of ${call.node} timed out (round ${call.round})`);
        if (expired.some((call) => !call.abandoned)) await this.#resume(round);
      }
    }
    this.clock.set(target);
  }

  /**
   * The end: faults stop, stalled workers wake, crashes are disarmed, and the clock moves past
   * every lease and backoff between rounds until nothing is open; then every debit must be final
   * and agree with the channel.
   */
  async #settle(): Promise<void> {
    this.channel.healthy = true;
    for (const node of this.#live()) node.crash.callsLeft = null;
    for (const call of this.channel.held.filter((held) => !held.abandoned)) await this.#release(call);
    let node = this.#live()[0] ?? this.#spawn();
    for (let round = 0; round < SETTLE_ROUNDS_MAX; round += 1) {
      this.step += 1;
      this.channel.step = this.step;
      await this.#advanceBy(WORKERS.leaseMs + WORKERS.backoffMsMax);
      node = this.#live()[0] ?? this.#spawn();
      if (node.rounds.submit === null) await this.#round(node, 'submit');
      if (node.rounds.query === null) await this.#round(node, 'query');
      await this.#check(true);
      const { rows } = await sql<{ count: number | string }>`
        select (select count(*) from debits where status in ('pending', 'submitted')) + (select count(*) from payouts where status in ('pending', 'submitted')) as count`.execute(this.db);
      if (Number(rows[0]!.count) === 0) break;
    }
    const violations = await checkFinal(this.db, this.channel);
    if (violations.length > 0) throw new SimulationFailure(this.options.seed, this.step, violations, this.trace);
  }
}

/** The context main.ts would build, with the simulation's clock, ids, vault and worker settings. */
export function baseContext(store: Store, clock: ManualClock): AppContext {
  let tokens = 0;
  return {
    store,
    groupCommit: new GroupCommit(store, { enabled: true }),
    clock,
    calendar: CN_CALENDAR,
    ids: new SequentialIds(),
    vault: new Vault(Buffer.alloc(32, 7)),
    secrets: {
      randomToken: (bytes: number) => {
        tokens += 1;
        return `sim-token-${tokens}`.padEnd(Math.ceil((bytes * 4) / 3), 'x');
      },
    },
    // The API sends nothing: only the nodes' workers have connectors.
    connectors: new FlowTable(new Map()),
    routing: new RoutingTable(store, clock, () => {}),
    logger: createLogger({ level: 'silent' }),
    // The simulation uploads no batch files.
    batchFiles: {
      put: () => Promise.reject(new Error('the simulation stores no batch files')),
      open: () => {
        throw new Error('the simulation stores no batch files');
      },
      delete: () => Promise.resolve(),
      deleteAbandoned: () => Promise.resolve(0),
    },
    workers: WORKERS,
    batches: DEFAULT_BATCH_SETTINGS,
    webhooks: { refusedUrl: () => null, newSecret: () => 'whsec_c2ltdWxhdGlvbi1zZWNyZXQtMjQtYnl0ZXM=', post: () => Promise.resolve({ kind: 'refused', reason: 'the simulation sends no webhooks' }) },
    presenters: OBJECT_PRESENTERS,
  };
}

/** A valid bank card number for a BIN: the Luhn digit is computed. */
export function cardNumber(bin: string, serial: number, length = 19): string {
  const body = `${bin}${String(serial).padStart(length - bin.length - 1, '0')}`;
  let sum = 0;
  for (let i = 0; i < body.length; i += 1) {
    let digit = Number(body[body.length - 1 - i]);
    if (i % 2 === 0) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  return `${body}${(10 - (sum % 10)) % 10}`;
}
