import { AUTO_REPRESENT_OFF, defaultFeePlan, type AutoRepresent, type Merchant, type MerchantCategory } from '../core/index.js';
import { issueApiKey } from './api-keys.js';
import { checkPlanAssignment } from './fee-plans.js';
import { nowIso, type AppContext } from './context.js';
import { notFound, validationFailed, type FieldError } from './errors.js';
import { field, normalizeBankCode, sealAccount, validateAccountNumber, validateHolderName, validateRegionCode } from './payer-details.js';
import type { MerchantRow, Page, PageRequest } from './ports.js';

export interface CreateMerchantInput {
  name: string;
  category: MerchantCategory;
  settlement_account: { account_number: string; bank_code: string; region_code: string; holder_name: string };
  fee_plan?: string | undefined;
  payer_fee_plan?: string | undefined;
  auto_represent?: AutoRepresentInput | undefined;
}

/** `auto_represent` as the API takes it; the HTTP schema bounds both numbers (max 0–2, after_business_days 1–5). */
export interface AutoRepresentInput {
  max: number;
  after_business_days?: number | undefined;
}

function autoRepresentOf(input: AutoRepresentInput): AutoRepresent {
  return { max: input.max, afterBusinessDays: input.after_business_days ?? AUTO_REPRESENT_OFF.afterBusinessDays };
}

export async function createMerchant(ctx: AppContext, input: CreateMerchantInput): Promise<{ merchant: Merchant; apiKey: string }> {
  const errors: FieldError[] = [];
  const account = input.settlement_account;
  const accountNumber = field(errors, '/settlement_account/account_number', validateAccountNumber(account.account_number, 'bank_account'));
  const bankCode = field(errors, '/settlement_account/bank_code', normalizeBankCode(account.bank_code));
  const regionCode = field(errors, '/settlement_account/region_code', validateRegionCode(account.region_code));
  const holderName = field(errors, '/settlement_account/holder_name', validateHolderName(account.holder_name));
  const name = field(errors, '/name', validateHolderName(input.name));
  if (errors.length > 0 || !accountNumber || !bankCode || !regionCode || !holderName || !name) throw validationFailed(errors);
  const feePlan = input.fee_plan ?? defaultFeePlan(input.category);
  await checkPlanAssignment(ctx, { fee_plan: feePlan, payer_fee_plan: input.payer_fee_plan });

  const sealed = sealAccount(ctx.vault, accountNumber);
  const autoRepresent = input.auto_represent === undefined ? AUTO_REPRESENT_OFF : autoRepresentOf(input.auto_represent);
  const row: MerchantRow = {
    id: ctx.ids.next('merchant'),
    name,
    category: input.category,
    settlement_account_ciphertext: sealed.ciphertext,
    settlement_account_index: sealed.index,
    settlement_account_masked: sealed.masked,
    settlement_bank_code: bankCode,
    settlement_region_code: regionCode,
    settlement_holder_name: holderName,
    fee_plan: feePlan,
    payer_fee_plan: input.payer_fee_plan ?? null,
    created_at: nowIso(ctx),
    auto_represent_max: autoRepresent.max,
    auto_represent_after_business_days: autoRepresent.afterBusinessDays,
  };
  const apiKey = await ctx.store.transaction(async (tx) => {
    await tx.insertMerchant(row);
    return issueApiKey(ctx, row.id, 'first merchant key', tx);
  });
  return { merchant: toMerchant(row), apiKey };
}

export interface UpdateMerchantInput {
  fee_plan?: string | undefined;
  payer_fee_plan?: string | null | undefined;
  auto_represent?: AutoRepresentInput | undefined;
}

/**
 * Assigns fee plans (SPEC §7; later debits are priced by them, earlier quotes stand) and sets
 * `auto_represent` (SPEC §14; the next round of the maintenance worker reads it).
 */
export async function updateMerchant(ctx: AppContext, id: string, patch: UpdateMerchantInput): Promise<Merchant> {
  const plans = { fee_plan: patch.fee_plan, payer_fee_plan: patch.payer_fee_plan };
  await checkPlanAssignment(ctx, plans);
  const row = await ctx.store.transaction(async (tx) => {
    const existing = await tx.getMerchant(id);
    if (existing === null) throw notFound('merchant', id);
    if (plans.fee_plan !== undefined || plans.payer_fee_plan !== undefined) {
      await tx.updateMerchantPlans(id, plans.fee_plan ?? existing.fee_plan, plans.payer_fee_plan === undefined ? existing.payer_fee_plan : plans.payer_fee_plan);
    }
    if (patch.auto_represent !== undefined) {
      const autoRepresent = autoRepresentOf(patch.auto_represent);
      await tx.updateMerchantAutoRepresent(id, autoRepresent.max, autoRepresent.afterBusinessDays);
    }
    return (await tx.getMerchant(id))!;
  });
  return toMerchant(row);
}

export async function getMerchant(ctx: AppContext, id: string): Promise<Merchant> {
  const row = await ctx.store.getMerchant(id);
  if (row === null) throw notFound('merchant', id);
  return toMerchant(row);
}

export async function listMerchants(ctx: AppContext, request: PageRequest): Promise<Page<Merchant>> {
  const result = await ctx.store.listMerchants(request);
  return { data: result.data.map(toMerchant), hasMore: result.hasMore };
}

function toMerchant(row: MerchantRow): Merchant {
  return {
    id: row.id,
    name: row.name,
    category: row.category,
    settlementAccountMasked: row.settlement_account_masked,
    settlementBankCode: row.settlement_bank_code,
    settlementRegionCode: row.settlement_region_code,
    settlementHolderName: row.settlement_holder_name,
    feePlan: row.fee_plan,
    payerFeePlan: row.payer_fee_plan,
    autoRepresent: { max: row.auto_represent_max, afterBusinessDays: row.auto_represent_after_business_days },
    createdAt: new Date(row.created_at),
  };
}
