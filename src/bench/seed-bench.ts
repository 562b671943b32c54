import type { AppContext } from '../app/context.js';
import { buildMandateRow, type CreateMandateInput } from '../app/mandates.js';
import { createMerchant } from '../app/merchants.js';
import type { MandateRow } from '../app/ports.js';
import { luhnCheckDigit } from '../core/payers/index.js';
import { createLogger } from '../logger.js';
import { startHub, type RunningHub } from '../main.js';
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

/** The bench's data opened through the hub's composition root, in this process, workers off: for set-up the clock does not time. */
export function openBenchHub(config: BenchHubConfig): Promise<RunningHub> {
  return startHub({
    dataDir: config.dataDir,
    host: '127.0.0.1',
    port: 0,
    databaseUrl: config.databaseUrl,
    operatorKey: config.operatorKey,
    masterKey: config.masterKey,
    sandbox: { kind: 'embedded', port: 0 },
    logger: createLogger({ level: 'error' }),
    runWorkers: false,
  });
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
  /** Mandates built and written per second (the batch file written alongside). */
  mandatesPerS: number;
}

export const BENCH_MERCHANT = {
  name: 'Bench Water Co',
  category: 'utility',
  settlement_account: { account_number: '440301000111222333', bank_code: 'ICBC', region_code: '440300', holder_name: 'Bench Water Co' },
} as const;

/** Mandates written per transaction, in one insertMandates. */
const MANDATES_PER_TRANSACTION = 5_000;
/** Mandates built between two turns of the event loop (a few milliseconds' work). */
const BUILD_SLICE = 250;
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
 * The untimed setup: one merchant and `mandates` mandates made in this process with the app's
 * own functions against the hub's data, and the batch file, row i under mandate i. Runs the
 * hub's composition root with the workers off, then closes it, so that the hub under test finds
 * the data exactly as the app wrote it.
 */
export async function seedBench(options: SeedOptions): Promise<Seeded> {
  const hub = await openBenchHub(options);
  try {
    const ctx: AppContext = hub.ctx;
    const { merchant, apiKey } = await createMerchant(ctx, { ...BENCH_MERCHANT, settlement_account: { ...BENCH_MERCHANT.settlement_account } });
    const writer = options.file === null ? null : await BatchFileWriter.open(options.file.path, options.file.format, { rows: options.mandates, creditorName: BENCH_MERCHANT.name, createdAt: ctx.clock.now() });
    const mandateIds: string[] = [];
    const started = performance.now();
    let reportedAt = started;
    // One transaction in flight while the next rows are built: on PostgreSQL the server writes
    // one group while this process validates and seals the next (on SQLite the write is
    // synchronous, so the two simply alternate). The rows are built in slices with a turn of the
    // event loop between them, or the transaction's round trips would wait for the whole group.
    let writing: Promise<void> = Promise.resolve();
    for (let first = 1; first <= options.mandates; first += MANDATES_PER_TRANSACTION) {
      const count = Math.min(MANDATES_PER_TRANSACTION, options.mandates - first + 1);
      // Validated and sealed by the app's own code, as POST /v1/mandates does; the agreement
      // numbers are new, so the unique index is the only check left to the write.
      const rows: MandateRow[] = [];
      for (let index = 0; index < count; index += 1) {
        rows.push(buildMandateRow(ctx, merchant.id, benchMandateInput(first + index)));
        if ((index + 1) % BUILD_SLICE === 0) await new Promise((resolve) => setImmediate(resolve));
      }
      await writing;
      writing = ctx.store.transaction((tx) => tx.insertMandates(rows));
      // Awaited at the next group or after the loop; until then a failure must not count as unhandled.
      writing.catch(() => undefined);
      for (let index = 0; index < count; index += 1) {
        const id = rows[index]!.id;
        if (options.keepMandateIds === true) mandateIds.push(id);
        if (writer !== null) await writer.write(first + index, id);
      }
      const now = performance.now();
      if (now - reportedAt >= 5_000) {
        reportedAt = now;
        const done = first + count - 1;
        options.progress(`${done}/${options.mandates} mandates, ${Math.round(done / ((now - started) / 1000))}/s`);
      }
    }
    await writing;
    const mandatesPerS = Math.round(options.mandates / ((performance.now() - started) / 1000));
    const rows = (await writer?.end()) ?? 0;
    return { merchantId: merchant.id, merchantKey: apiKey, rows, mandateIds, mandatesPerS };
  } finally {
    await hub.close();
  }
}
