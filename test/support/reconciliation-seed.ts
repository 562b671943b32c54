import type { AttemptRow, DebitRow, MerchantRow, PayoutAttemptRow, PayoutRow, Store } from '../../src/app/ports.js';
import { formatYuan, type Fen, type StatementDirection, type StatementLine } from '../../src/core/index.js';

/**
 * Instructions seeded straight into a store, for reconciliation tests: each with one attempt on
 * a channel whose state and `updated_at` (when daikou recorded it) the test chooses.
 */
export interface SeededInstruction {
  kind: 'debit' | 'payout';
  id: string;
  amount: number;
  /** Debits only: the channel was asked for amount + payer_fee. */
  payerFee: number;
  state: 'succeeded' | 'failed' | 'accepted';
  /** When daikou recorded the attempt's state (UTC text). */
  recordedAt: string;
}

export function merchantRow(id: string): MerchantRow {
  return {
    id, name: `Merchant ${id}`, category: 'utility', settlement_account_ciphertext: 'sealed', settlement_account_index: `index-${id}`, settlement_account_masked: '4403****8901',
    settlement_bank_code: 'ICBC', settlement_region_code: '440300', settlement_holder_name: '深圳市水务集团', fee_plan: 'standard', payer_fee_plan: null, created_at: '2017-01-01T00:00:00.000Z',
    auto_represent_max: 0, auto_represent_after_business_days: 1,
  };
}

export async function seedChannel(store: Store, channelId: string): Promise<void> {
  await store.insertChannel({
    id: channelId, type: 'clearing_org', name: channelId, region_code: null, bank_code: null, capabilities: '["debit","payout"]', priority: 0,
    endpoint: 'http://127.0.0.1:1', cost_schedule: '{"fixed":0}', enabled: 1, created_at: '2017-01-01T00:00:00.000Z', updated_at: null,
  });
}

export async function seedInstructions(store: Store, merchantId: string, channelId: string, instructions: readonly SeededInstruction[]): Promise<void> {
  const status = (state: SeededInstruction['state']) => (state === 'accepted' ? 'submitted' : state);
  await store.transaction(async (tx) => {
    const debits: DebitRow[] = [];
    const attempts: AttemptRow[] = [];
    for (const i of instructions.filter((one) => one.kind === 'debit')) {
      debits.push({
        id: i.id, merchant_id: merchantId, mandate_id: null, reference: `ref-${i.id}`, amount: i.amount, currency: 'CNY', description: null, metadata: null, status: status(i.state),
        business_date: i.recordedAt.slice(0, 10), channel_id: channelId, routing: null, channel_cost: 0, merchant_fee: 0, payer_fee: i.payerFee, merchant_fee_plan: null, payer_fee_plan: null,
        merchant_fee_subject: null, payer_fee_subject: null, batch_id: null, settlement_id: null, failure_code: null, failure_message: null, failure_retryable: null, next_action_at: null,
        attempt_count: 1, represents: null, presentment: 0, refunded_amount: 0, refunded_from_pending: 0, created_at: i.recordedAt, updated_at: i.recordedAt,
      });
      attempts.push(attemptOf(i, channelId) as AttemptRow);
    }
    await tx.insertDebits(debits);
    await tx.insertAttempts(attempts);
    const payoutAttempts: PayoutAttemptRow[] = [];
    for (const i of instructions.filter((one) => one.kind === 'payout')) {
      const row: PayoutRow = {
        id: i.id, merchant_id: merchantId, kind: 'payout', debit_id: null, reference: `ref-${i.id}`, amount: i.amount, fee: 0, fee_plan: null, channel_cost: 0, currency: 'CNY',
        description: null, metadata: null, payee_account_ciphertext: 'sealed', payee_account_index: `index-${i.id}`, payee_account_masked: '6222****0000', payee_account_kind: 'personal',
        payee_medium: 'bank_card', payee_bank_code: 'ICBC', payee_holder_name: '张三', status: status(i.state), business_date: i.recordedAt.slice(0, 10), channel_id: channelId, routing: null,
        failure_code: null, failure_message: null, next_action_at: null, attempt_count: 1, drawn_from_pending: 0, batch_id: null, batch_row: null, created_at: i.recordedAt, updated_at: i.recordedAt,
      };
      await tx.insertPayout(row);
      const { debit_id: _unused, ...attempt } = attemptOf(i, channelId) as AttemptRow;
      payoutAttempts.push({ ...attempt, payout_id: i.id });
    }
    await tx.insertPayoutAttempts(payoutAttempts);
  });
}

function attemptOf(i: SeededInstruction, channelId: string): AttemptRow {
  return {
    id: `att_${i.id}`, debit_id: i.id, attempt_number: 1, channel_id: channelId, end_to_end_id: i.id, state: i.state, channel_reference: `REF${i.id}`, failure_code: null,
    failure_message: null, next_query_at: null, query_count: 0, lease_owner: null, lease_until: null, created_at: i.recordedAt, updated_at: i.recordedAt,
  };
}

/** What the channel would list for a seeded instruction. */
export function lineOf(i: SeededInstruction, line: number): StatementLine {
  return {
    line, channel_reference: `REF${i.id}`, end_to_end_id: i.id, direction: i.kind === 'debit' ? 'debit' : 'credit', amount: i.amount + (i.kind === 'debit' ? i.payerFee : 0),
    status: i.state === 'failed' ? 'failed' : 'succeeded', settled_at: null,
  };
}

type Entry = Omit<StatementLine, 'line'>;

function totals(entries: readonly Entry[], direction: StatementDirection): { count: number; amount: number } {
  const mine = entries.filter((entry) => entry.direction === direction);
  return { count: mine.length, amount: mine.filter((entry) => entry.status === 'succeeded').reduce((sum, entry) => sum + entry.amount, 0) };
}

/** A CSV statement of the entries, with its totals (or the totals given, to corrupt them). */
export function statementCsv(channel: string, date: string, entries: readonly Entry[], stated?: { debit: { count: number; amount: number }; credit: { count: number; amount: number } }): string {
  const rows = ['record,channel,business_date,channel_reference,end_to_end_id,direction,amount,status,settled_at,count'];
  for (const e of entries) rows.push(`entry,${channel},${date},${e.channel_reference ?? ''},${e.end_to_end_id},${e.direction},${e.amount},${e.status},${e.settled_at ?? `${date}T10:00:00.000+08:00`},`);
  const debit = stated?.debit ?? totals(entries, 'debit');
  const credit = stated?.credit ?? totals(entries, 'credit');
  rows.push(`total,${channel},${date},,,debit,${debit.amount},,,${debit.count}`);
  rows.push(`total,${channel},${date},,,credit,${credit.amount},,,${credit.count}`);
  return `${rows.join('\n')}\n`;
}

/** The same entries as camt.053.001.02 (the mapping of docs/statements.md). */
export function statementCamt053(channel: string, date: string, entries: readonly Entry[]): string {
  const debit = totals(entries, 'debit');
  const credit = totals(entries, 'credit');
  const ntry = entries.map((e) => `<Ntry><Amt Ccy="CNY">${formatYuan(e.amount as Fen)}</Amt><CdtDbtInd>${e.direction === 'debit' ? 'DBIT' : 'CRDT'}</CdtDbtInd><Sts>${e.status === 'succeeded' ? 'BOOK' : 'INFO'}</Sts>` +
    `<BookgDt><DtTm>${date}T10:00:00.000+08:00</DtTm></BookgDt>${e.channel_reference === null ? '' : `<AcctSvcrRef>${e.channel_reference}</AcctSvcrRef>`}<BkTxCd/>` +
    `<NtryDtls><TxDtls>${e.end_to_end_id.length <= 35 ? `<Refs><EndToEndId>${e.end_to_end_id}</EndToEndId></Refs>` : ''}<RmtInf><Ustrd>${e.end_to_end_id}</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>`).join('');
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt><GrpHdr><MsgId>${channel}-${date}</MsgId><CreDtTm>${date}T23:59:59</CreDtTm></GrpHdr>` +
    `<Stmt><Id>${channel}-${date}</Id><CreDtTm>${date}T23:59:59</CreDtTm><Acct><Id><Othr><Id>${channel}</Id></Othr></Id><Ccy>CNY</Ccy><Nm>${channel}</Nm></Acct>` +
    `<TxsSummry><TtlCdtNtries><NbOfNtries>${credit.count}</NbOfNtries><Sum>${formatYuan(credit.amount as Fen)}</Sum></TtlCdtNtries><TtlDbtNtries><NbOfNtries>${debit.count}</NbOfNtries><Sum>${formatYuan(debit.amount as Fen)}</Sum></TtlDbtNtries></TxsSummry>` +
    `${ntry}</Stmt></BkToCstmrStmt></Document>\n`;
}
