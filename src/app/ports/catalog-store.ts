import type { ChannelRecord, FeePlanRecord, MerchantRecord, RuleRecord } from '../../core/index.js';
import type { Page, PageRequest } from './page.js';

export type MerchantRow = MerchantRecord;
export type ChannelRow = ChannelRecord;
export type RuleRow = RuleRecord;
export type FeePlanRow = FeePlanRecord;

/**
 * What the routing table and the catalogue's use cases need: merchants, channels, routing rule
 * versions, fee plan versions, and the fee plans' allowance counters.
 */
export interface CatalogStore {
  insertMerchant(row: MerchantRow): Promise<void>;
  getMerchant(id: string): Promise<MerchantRow | null>;
  updateMerchantPlans(id: string, feePlan: string, payerFeePlan: string | null): Promise<void>;
  listMerchants(page: PageRequest): Promise<Page<MerchantRow>>;

  /** A new channel, unless one of its id exists (often a concurrent create's). */
  insertChannel(row: ChannelRow): Promise<'inserted' | 'id_taken'>;
  upsertChannel(row: ChannelRow): Promise<void>;
  listChannels(): Promise<ChannelRow[]>;
  getChannel(id: string): Promise<ChannelRow | null>;

  /** Writes a version unless that version of the rule exists (a concurrent writer's): then nothing, and the transaction stays usable. */
  insertRuleVersion(row: RuleRow): Promise<'inserted' | 'version_taken'>;
  /** Every version of one rule, oldest first. */
  listRuleVersions(id: string): Promise<RuleRow[]>;
  /** The newest version of every rule (retired ones included, so that callers can tell). */
  listCurrentRules(): Promise<RuleRow[]>;

  /** Like insertRuleVersion, for fee plans. */
  insertFeePlanVersion(row: FeePlanRow): Promise<'inserted' | 'version_taken'>;
  /** Every version of every fee plan (plans are few), by id then version. */
  listFeePlans(): Promise<FeePlanRow[]>;
  /**
   * Reads a fee plan's allowance usage of one subject for a month and holds it for the rest of
   * the transaction, like MandateStore.lockMandateUsage.
   */
  lockAllowanceUsage(planId: string, subject: string, month: string): Promise<number>;
  addAllowanceUsage(planId: string, subject: string, month: string, deltaFen: number): Promise<void>;
}
