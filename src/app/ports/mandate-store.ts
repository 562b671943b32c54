import type { MandateRecord, StoredMandateStatus } from '../../core/index.js';
import type { Page, PageRequest } from './page.js';

export type MandateRow = MandateRecord;

/** What deciding a debit reads of its mandate: no ciphertext, nothing only shown to people. */
export const MANDATE_TERMS_COLUMNS = [
  'id',
  'merchant_id',
  'status',
  'valid_from',
  'valid_until',
  'per_debit_max',
  'monthly_max',
  'account_index',
  'account_kind',
  'medium',
  'bank_code',
  'region_code',
  'holder_name',
  'id_number_index',
  'phone_index',
] as const;
export type MandateTerms = Pick<MandateRow, (typeof MANDATE_TERMS_COLUMNS)[number]>;

export interface MandateFilter extends PageRequest {
  merchantId?: string | undefined;
  status?: StoredMandateStatus | undefined;
  accountIndex?: string | undefined;
  agreementNumber?: string | undefined;
}

/** What the mandate use cases and debit intake need: mandates and their monthly usage. */
export interface MandateStore {
  /** Writes the mandate unless its merchant has its agreement number already (then nothing, and the transaction stays usable). */
  insertMandate(row: MandateRow): Promise<'inserted' | 'agreement_taken'>;
  /** Many mandates in a few statements: for imports and the benchmark's set-up. */
  insertMandates(rows: readonly MandateRow[]): Promise<void>;
  getMandate(id: string): Promise<MandateRow | null>;
  findMandateByAgreement(merchantId: string, agreementNumber: string): Promise<MandateRow | null>;
  listMandates(filter: MandateFilter): Promise<Page<MandateRow>>;
  findMandatesByAccount(merchantId: string, accountIndex: string): Promise<MandateRow[]>;
  findMandatesByAccounts(merchantId: string, accountIndexes: readonly string[]): Promise<MandateRow[]>;
  /** The ids of a merchant's mandates by agreement number (pain.008 names mandates by MndtId). */
  findMandateIdsByAgreements(merchantId: string, agreementNumbers: readonly string[]): Promise<Pick<MandateRow, 'id' | 'agreement_number'>[]>;
  /** The terms of many mandates by id (batch ingestion reads these for every row). */
  getMandateTerms(ids: readonly string[]): Promise<MandateTerms[]>;
  /** Revokes an active mandate; false when it was not active. */
  revokeMandate(id: string, at: string): Promise<boolean>;

  /**
   * Reads a mandate's usage for a month and holds it for the rest of the transaction, so that
   * concurrent debits under one mandate are counted one after another (DESIGN-NOTES §4).
   */
  lockMandateUsage(mandateId: string, month: string): Promise<number>;
  addMandateUsage(mandateId: string, month: string, deltaFen: number): Promise<void>;
}
