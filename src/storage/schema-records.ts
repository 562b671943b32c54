import type { Selectable } from 'kysely';
import type {
  ApiKeyRecord,
  AttemptRecord,
  BatchRecord,
  BatchRowRecord,
  ChannelRecord,
  DebitEventRecord,
  DebitRecord,
  FeePlanRecord,
  IdempotencyRecord,
  LedgerAccountRecord,
  MandateRecord,
  MerchantRecord,
  PayoutAttemptRecord,
  PayoutEventRecord,
  PayoutRecord,
  RuleRecord,
  SettlementRecord,
  WebhookEndpointRecord,
  EventRecord,
  WebhookDeliveryRecord,
  WebhookDeliveryAttemptRecord,
  ReconciliationRecord,
  NoticeRecord,
  ReconciliationExceptionRecord,
} from '../core/index.js';
import type { Database } from './schema.js';

/** The core record each table's rows are (src/core/records.ts). */
interface TableRecords {
  api_keys: ApiKeyRecord;
  merchants: MerchantRecord;
  mandates: MandateRecord;
  channels: ChannelRecord;
  routing_rules: RuleRecord;
  fee_plans: FeePlanRecord;
  batches: BatchRecord;
  batch_rows: BatchRowRecord;
  debits: DebitRecord;
  debit_events: DebitEventRecord;
  attempts: AttemptRecord;
  payouts: PayoutRecord;
  payout_events: PayoutEventRecord;
  payout_attempts: PayoutAttemptRecord;
  idempotency_keys: IdempotencyRecord;
  ledger_accounts: LedgerAccountRecord;
  settlements: SettlementRecord;
  webhook_endpoints: WebhookEndpointRecord;
  events: EventRecord;
  webhook_deliveries: WebhookDeliveryRecord;
  webhook_delivery_attempts: WebhookDeliveryAttemptRecord;
  reconciliations: ReconciliationRecord;
  notices: NoticeRecord;
  reconciliation_exceptions: ReconciliationExceptionRecord;
}

/** True only when A and B are the same type: each assignable to the other, optional and readonly alike. */
type Same<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;

/**
 * The store hands kysely's rows to the use cases as they are, so a table and its record must
 * agree column for column, statuses with the same closed unions. A column added, dropped or
 * widened on one side only fails the build here, naming the table.
 */
export const TABLES_MATCH_RECORDS = {
  api_keys: true,
  merchants: true,
  mandates: true,
  channels: true,
  routing_rules: true,
  fee_plans: true,
  batches: true,
  batch_rows: true,
  debits: true,
  debit_events: true,
  attempts: true,
  payouts: true,
  payout_events: true,
  payout_attempts: true,
  idempotency_keys: true,
  ledger_accounts: true,
  settlements: true,
  webhook_endpoints: true,
  events: true,
  webhook_deliveries: true,
  webhook_delivery_attempts: true,
  reconciliations: true,
  notices: true,
  reconciliation_exceptions: true,
} as const satisfies { [Table in keyof TableRecords]: Same<Selectable<Database[Table]>, TableRecords[Table]> };
