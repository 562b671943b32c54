import type { AppContext } from './context.js';
import type { CatalogStore, DebitStore, EventStore, MandateStore, MandateTerms } from './ports.js';

/*
 * What deciding a debit reads and counts (decideDebit, src/app/debits.ts), answered three ways: by
 * queries in the request's transaction (one debit alone), and from rows a few set queries load
 * for a batch's chunk or a group of API debits.
 */

export interface CreateDebitInput {
  mandate_id?: string | undefined;
  payer?: { account_number: string; holder_name?: string | undefined; id_number?: string | undefined; phone?: string | undefined } | undefined;
  amount: number;
  currency: 'CNY';
  reference: string;
  description?: string | undefined;
  metadata?: Record<string, string> | undefined;
}

/**
 * What deciding a debit reads and counts. The API answers it with queries inside the request's
 * transaction; a batch answers it from rows loaded once per chunk and writes the counters back
 * in one go, so the same decision runs set-based (STYLE §13).
 */
export interface DecisionSource {
  liveReferenceExists(reference: string): Promise<boolean>;
  mandateById(id: string): Promise<MandateTerms | null>;
  mandatesByAccount(accountIndex: string): Promise<MandateTerms[]>;
  /** The counters of DESIGN-NOTES §4, held until the transaction ends. */
  counters: UsageCounters;
}

export interface UsageCounters {
  mandateUsage(mandateId: string, month: string): Promise<number>;
  addMandateUsage(mandateId: string, month: string, deltaFen: number): Promise<void>;
  allowanceUsage(planId: string, subject: string, month: string): Promise<number>;
  addAllowanceUsage(planId: string, subject: string, month: string, deltaFen: number): Promise<void>;
}

/**
 * What deciding and writing debits needs, one at a time or a batch chunk at a time: the merchant's
 * live references and debits, its mandates and their usage, the fee plans' allowance counters.
 */
export type DebitIntakeStore = DebitStore & MandateStore & CatalogStore & EventStore;

/** Answers a DecisionSource with queries in a transaction: the API's path, one debit at a time. */
export function transactionSource(ctx: AppContext, tx: DebitIntakeStore, merchantId: string): DecisionSource {
  return {
    liveReferenceExists: async (reference) => (await tx.findLiveDebitByReference(merchantId, reference)) !== null,
    mandateById: (id) => tx.getMandate(id),
    mandatesByAccount: (accountIndex) => tx.findMandatesByAccount(merchantId, accountIndex),
    counters: {
      mandateUsage: (mandateId, month) => tx.lockMandateUsage(mandateId, month),
      addMandateUsage: (mandateId, month, delta) => tx.addMandateUsage(mandateId, month, delta),
      allowanceUsage: (planId, subject, month) => tx.lockAllowanceUsage(planId, subject, month),
      addAllowanceUsage: (planId, subject, month, delta) => tx.addAllowanceUsage(planId, subject, month, delta),
    },
  };
}

/**
 * The DecisionSource of one chunk's transaction. `load` reads what a part of the chunk needs —
 * live references and mandates — with a few set queries (earlier parts are already written in
 * this transaction, so the queries see them); usage counters are locked once per key and written
 * back once, when the chunk ends. A group of API debits (src/app/debits-grouped.ts) decides the
 * same way, with a source per merchant, all over the same counters.
 */
export interface ChunkSource extends DecisionSource {
  load(inputs: readonly CreateDebitInput[]): Promise<void>;
  claimReference(reference: string): void;
  flushCounters(): Promise<void>;
}

/** Usage counters locked once per key in a transaction, moved in memory, and written back once (`flush`). */
export interface HeldCounters extends UsageCounters {
  flush(): Promise<void>;
}

export function heldCounters(tx: DebitIntakeStore): HeldCounters {
  const usage = new Map<string, { value: number; delta: number; write: (delta: number) => Promise<void> }>();
  const counter = async (key: string, lock: () => Promise<number>, write: (delta: number) => Promise<void>) => {
    let entry = usage.get(key);
    if (entry === undefined) {
      entry = { value: await lock(), delta: 0, write };
      usage.set(key, entry);
    }
    return entry;
  };
  const mandate = (mandateId: string, month: string) => counter(`m|${mandateId}|${month}`, () => tx.lockMandateUsage(mandateId, month), (d) => tx.addMandateUsage(mandateId, month, d));
  const allowance = (planId: string, subject: string, month: string) =>
    counter(`a|${planId}|${subject}|${month}`, () => tx.lockAllowanceUsage(planId, subject, month), (d) => tx.addAllowanceUsage(planId, subject, month, d));
  return {
    mandateUsage: async (mandateId, month) => (await mandate(mandateId, month)).value,
    addMandateUsage: async (mandateId, month, delta) => {
      const entry = await mandate(mandateId, month);
      entry.value += delta;
      entry.delta += delta;
    },
    allowanceUsage: async (planId, subject, month) => (await allowance(planId, subject, month)).value,
    addAllowanceUsage: async (planId, subject, month, delta) => {
      const entry = await allowance(planId, subject, month);
      entry.value += delta;
      entry.delta += delta;
    },
    async flush() {
      for (const entry of usage.values()) if (entry.delta !== 0) await entry.write(entry.delta);
    },
  };
}

/** `counters`: shared with the sources of other merchants deciding in the same transaction (a payer's allowance spans merchants). */
export function chunkSource(ctx: AppContext, tx: DebitIntakeStore, merchantId: string, counters: HeldCounters = heldCounters(tx)): ChunkSource {
  let taken = new Set<string>();
  let byId = new Map<string, MandateTerms>();
  let byAccount = new Map<string, MandateTerms[]>();
  return {
    async load(inputs) {
      taken = await tx.findLiveReferences(merchantId, inputs.map((input) => input.reference));
      byId = new Map((await tx.getMandateTerms([...new Set(inputs.flatMap((input) => (input.mandate_id === undefined ? [] : [input.mandate_id])))])).map((m) => [m.id, m]));
      const indexes = [...new Set(inputs.flatMap((input) => (input.mandate_id === undefined && input.payer ? [ctx.vault.index('account', input.payer.account_number)] : [])))];
      byAccount = new Map();
      for (const mandate of await tx.findMandatesByAccounts(merchantId, indexes)) byAccount.set(mandate.account_index, [...(byAccount.get(mandate.account_index) ?? []), mandate]);
    },
    liveReferenceExists: async (reference) => taken.has(reference),
    mandateById: async (id) => byId.get(id) ?? null,
    mandatesByAccount: async (accountIndex) => byAccount.get(accountIndex) ?? [],
    claimReference: (reference) => taken.add(reference),
    counters,
    flushCounters: () => counters.flush(),
  };
}

