import type { AppContext } from '../app/context.js';
import { createMandate, type CreateMandateInput } from '../app/mandates.js';
import { createMerchant } from '../app/merchants.js';
import type { Store, StoreTx } from '../app/ports.js';
import { luhnCheckDigit } from '../core/payers/index.js';
import { createLogger } from '../logger.js';
import { startHub } from '../main.js';
import { BatchFileWriter, type BatchFileFormat } from './batch-file-writer.js';

/** Where the hub under test keeps its data, and the keys it is started with. */
export interface BenchHubConfig {
  dataDir: string;
  /** PostgreSQL, or null for SQLite in dataDir. */
  databaseUrl: string | null;
  operatorKey: string;
  /** 64 hex characters, given to every process that opens the data, so that all seal personal data alike. */
  masterKey: string;
}

export interface SeedOptions extends BenchHubConfig {
  mandates: number;
  /** The batch file to write, one row per mandate, or null for mandates only. */
  file: { path: string; format: BatchFileFormat } | null;
  /** Return the mandates' ids, in order (for small counts: they are held in memory). */
  keepMandateIds?: boolean;
  progress: (line: string) => void;
}

export interface Seeded {
  merchantId: string;
  /** The merchant's API key, shown once at creation. */
  merchantKey: string;
  rows: number;
  /** With keepMandateIds: mandate i (from 1) at index i - 1; else empty. */
  mandateIds: string[];
}

export const BENCH_MERCHANT = {
  name: 'Bench Water Co',
  category: 'utility',
  settlement_account: { account_number: '440301000111222333', bank_code: 'ICBC', region_code: '440300', holder_name: 'Bench Water Co' },
} as const;

/** Mandates created per transaction. */
const MANDATES_PER_TRANSACTION = 2_000;
const PAYER_REGIONS = ['440300', '110000', '310000', '440100', '330100', '510100', '420100'] as const;

/** A valid ICBC card number (BIN 622202, 19 digits) for a serial number. */
export function benchCardNumber(serial: number): string {
  const payload = `622202${String(serial).padStart(12, '0')}`;
  return `${payload}${luhnCheckDigit(payload)}`;
}

export function benchMandateInput(serial: number): CreateMandateInput {
  return {
    payer: { account_number: benchCardNumber(serial), account_kind: 'personal', medium: 'bank_card', region_code: PAYER_REGIONS[serial % PAYER_REGIONS.length] },
    agreement_number: `AGR-${serial}`,
    signed_at: '2020-01-01',
  };
}

/**
 * A Store whose transaction() joins `tx`: a use case that opens a transaction of its own (as
 * createMandate does, one per mandate) then runs inside ours, so that thousands of mandates
 * share one commit while each is still validated, sealed and checked by the app's own code.
 * A Proxy, not a copy: the transaction's methods use private fields and need it as `this`.
 */
function joinedStore(tx: StoreTx, engine: Store['engine']): Store {
  const own = {
    engine,
    transaction: <T>(work: (inner: StoreTx) => Promise<T>): Promise<T> => work(tx),
    close: async (): Promise<void> => undefined,
  };
  return new Proxy(tx, {
    get(target, property) {
      if (Object.hasOwn(own, property)) return own[property as keyof typeof own];
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  }) as unknown as Store;
}

/**
 * The untimed setup: one merchant and `mandates` mandates made in this process with the app's
 * own functions against the hub's data, and the batch file, row i under mandate i. Runs the
 * hub's composition root with the workers off, then closes it, so that the hub under test finds
 * the data exactly as the app wrote it.
 */
export async function seedBench(options: SeedOptions): Promise<Seeded> {
  const hub = await startHub({
    dataDir: options.dataDir,
    host: '127.0.0.1',
    port: 0,
    databaseUrl: options.databaseUrl,
    operatorKey: options.operatorKey,
    masterKey: options.masterKey,
    sandbox: { kind: 'embedded', port: 0 },
    logger: createLogger({ level: 'error' }),
    runWorkers: false,
  });
  try {
    const ctx: AppContext = hub.ctx;
    const { merchant, apiKey } = await createMerchant(ctx, { ...BENCH_MERCHANT, settlement_account: { ...BENCH_MERCHANT.settlement_account } });
    const writer = options.file === null ? null : await BatchFileWriter.open(options.file.path, options.file.format, { rows: options.mandates, creditorName: BENCH_MERCHANT.name, createdAt: ctx.clock.now() });
    // SQLite has one writer; on PostgreSQL a few transactions at once keep the server busy.
    const parallel = ctx.store.engine === 'postgres' ? 4 : 1;
    const createGroup = (first: number, count: number) =>
      ctx.store.transaction(async (tx) => {
        const inTransaction: AppContext = { ...ctx, store: joinedStore(tx, ctx.store.engine) };
        const ids: string[] = [];
        for (let serial = first; serial < first + count; serial += 1) ids.push((await createMandate(inTransaction, merchant.id, benchMandateInput(serial))).id);
        return ids;
      });
    const mandateIds: string[] = [];
    const started = performance.now();
    let reportedAt = started;
    for (let first = 1; first <= options.mandates; first += MANDATES_PER_TRANSACTION * parallel) {
      const groups: Promise<string[]>[] = [];
      for (let k = 0; k < parallel; k += 1) {
        const start = first + k * MANDATES_PER_TRANSACTION;
        if (start <= options.mandates) groups.push(createGroup(start, Math.min(MANDATES_PER_TRANSACTION, options.mandates - start + 1)));
      }
      let row = first;
      for (const ids of await Promise.all(groups)) {
        if (options.keepMandateIds === true) mandateIds.push(...ids);
        for (const id of ids) {
          if (writer !== null) await writer.write(row, id);
          row += 1;
        }
      }
      const done = row - 1;
      const now = performance.now();
      if (now - reportedAt >= 5_000) {
        reportedAt = now;
        options.progress(`${done}/${options.mandates} mandates, ${Math.round(done / ((now - started) / 1000))}/s`);
      }
    }
    const rows = (await writer?.end()) ?? 0;
    return { merchantId: merchant.id, merchantKey: apiKey, rows, mandateIds };
  } finally {
    await hub.close();
  }
}
