import type { SettlementRecord, SettlementStatus } from '../../core/index.js';
import type { Page } from './page.js';

export type SettlementRow = SettlementRecord;

/** A merchant's business date with succeeded debits that no settlement has taken yet. */
export interface UnsettledDay {
  merchant_id: string;
  business_date: string;
  count: number;
}

export interface SettlementFilter {
  merchantId?: string | undefined;
  businessDate?: string | undefined;
  /** `settles_on` from this date, inclusive. */
  settlesOnFrom?: string | undefined;
  /** `settles_on` up to this date, inclusive. */
  settlesOnTo?: string | undefined;
  status?: SettlementStatus | undefined;
  limit: number;
  startingAfter?: string | undefined;
}

/** What settlement T+1 (SPEC §14) needs: the days waiting, the set-based settling of one, the list. */
export interface SettlementStore {
  /**
   * Merchant-days with succeeded debits no settlement has taken, oldest date first, at most
   * `limit`; only `businessDate`'s when one is given. Read from a partial index of exactly those
   * debits, so it costs nothing once they are settled.
   */
  listUnsettledDays(limit: number, businessDate?: string): Promise<UnsettledDay[]>;
  /**
   * Settles one merchant-day, set-based: one UPDATE marks every succeeded debit of it that no
   * settlement has with `id` (conditional on `settlement_id is null`, so a debit another run
   * took or is taking is skipped), then one INSERT … SELECT … GROUP BY writes the settlement row
   * from the debits marked, with the day's next `sequence`. Returns that row, or null when no
   * debit was left to take. Must run inside a transaction, with the ledger posting after it.
   * `ledger_transaction_id` is written only when the net is not 0.
   */
  settleMerchantDay(input: { id: string; merchantId: string; businessDate: string; settlesOn: string; ledgerTransactionId: string; at: string }): Promise<SettlementRow | null>;
  listSettlements(filter: SettlementFilter): Promise<Page<SettlementRow>>;
}
