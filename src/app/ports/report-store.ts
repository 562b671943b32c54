import type { AccountKind, InstructionStatus, Medium, MerchantCategory } from '../../core/index.js';

/** One line of the margin report: what the ledger says a merchant's debits on a channel earned and cost on a day. */
export interface MarginRow {
  merchant_id: string;
  channel_id: string;
  business_date: string;
  debits: number;
  fee_revenue: number;
  payer_fee_revenue: number;
  channel_cost: number;
}

export interface SimulationCursor {
  business_date: string;
  id: string;
}

/** What the what-if simulation reads of one past debit: the routing inputs and how it went. */
export interface SimulationRow {
  id: string;
  merchant_id: string;
  amount: number;
  business_date: string;
  channel_id: string | null;
  channel_cost: number;
  status: InstructionStatus;
  failure_code: string | null;
  category: MerchantCategory;
  settlement_region_code: string;
  account_kind: AccountKind;
  medium: Medium;
  bank_code: string | null;
  region_code: string | null;
}

/** What the reports and the what-if simulation read: aggregates over many debits and postings. */
export interface ReportStore {
  /** Fee revenue and channel cost posted for debits, by merchant, channel and business date. */
  marginReport(from: string, to: string, merchantId?: string): Promise<MarginRow[]>;
  /**
   * Debits created on business dates from `from` to `to` (inclusive), with their routing
   * inputs, in (business_date, id) order after `after`: a keyset page on an index, so that a
   * million rows never sit in memory and no page sorts the window again.
   */
  listSimulationRows(from: string, to: string, after: SimulationCursor | null, limit: number): Promise<SimulationRow[]>;
}
