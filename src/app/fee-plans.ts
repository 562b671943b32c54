import { checkPlanSchedule, isCalendarDate, type BusinessDate, type PlanSchedule, type PlanSide } from '../core/index.js';
import { nowIso, type AppContext } from './context.js';
import { AppError, concurrentChange, notFound, validationFailed, type FieldError } from './errors.js';
import type { CatalogStore, FeePlanRow, MandateTerms, MerchantRow } from './ports.js';

export interface FeePlanInput {
  id: string;
  side: PlanSide;
  title: string;
  effective_from?: string | null | undefined;
  effective_until?: string | null | undefined;
  schedule: PlanSchedule;
}

/** The plans every daikou has (SPEC §6): `standard`, the default, and `welfare` for charities. */
export const DEFAULT_PLANS: FeePlanInput[] = [
  { id: 'standard', side: 'merchant', title: 'Standard: 0.20 % per succeeded debit, at least 0.10 and at most 20.00 yuan', schedule: { rate: '0.002', min: 10, max: 2000 } },
  { id: 'welfare', side: 'merchant', title: 'Public welfare: free', schedule: {} },
];

function checkPlan(input: FeePlanInput): FieldError[] {
  const errors: FieldError[] = checkPlanSchedule(input.schedule).map((error) => ({ ...error, pointer: `/schedule${error.pointer}` }));
  for (const key of ['effective_from', 'effective_until'] as const) {
    const value = input[key];
    if (value !== undefined && value !== null && !isCalendarDate(value)) errors.push({ pointer: `/${key}`, code: 'invalid_date', detail: `${key} is a business date written YYYY-MM-DD.` });
  }
  if (input.effective_from && input.effective_until && input.effective_until < input.effective_from) {
    errors.push({ pointer: '/effective_until', code: 'before_effective_from', detail: 'effective_until is before effective_from.' });
  }
  return errors;
}

/**
 * Writes the next version of a plan unless the newest says the same. A plan keeps its side:
 * a merchant plan cannot become a payer plan, since merchants name plans by side.
 */
export async function putFeePlan(ctx: Pick<AppContext, 'clock' | 'routing' | 'store'>, input: FeePlanInput, tx?: CatalogStore, mode: 'create' | 'upsert' = 'upsert'): Promise<FeePlanRow> {
  const errors = checkPlan(input);
  if (errors.length > 0) throw validationFailed(errors);
  const write = async (t: CatalogStore) => {
    const versions = (await t.listFeePlans()).filter((row) => row.id === input.id);
    const latest = versions.at(-1);
    // Checked in the transaction, so that of two concurrent creations one is refused.
    if (mode === 'create' && latest !== undefined) {
      throw new AppError('conflict', `A fee plan ${input.id} exists already; PUT /v1/fee-plans/${input.id} makes a new version.`, [
        { pointer: '/id', code: 'already_used', detail: 'Fee plan ids are unique.' },
      ]);
    }
    if (latest !== undefined && latest.side !== input.side) {
      throw validationFailed([{ pointer: '/side', code: 'side_fixed', detail: `Plan ${input.id} is a ${latest.side} plan.` }]);
    }
    const next: FeePlanRow = {
      id: input.id,
      version: (latest?.version ?? 0) + 1,
      side: input.side,
      title: input.title,
      effective_from: input.effective_from ?? null,
      effective_until: input.effective_until ?? null,
      schedule: JSON.stringify(input.schedule),
      created_at: nowIso(ctx),
    };
    const same = latest !== undefined && (['title', 'effective_from', 'effective_until', 'schedule'] as const).every((key) => latest[key] === next[key]);
    if (same) return latest;
    if ((await t.insertFeePlanVersion(next)) === 'version_taken') throw concurrentChange();
    return next;
  };
  const row = tx ? await write(tx) : await ctx.store.transaction(write);
  ctx.routing.invalidate();
  return row;
}

export async function ensureDefaultPlans(ctx: Pick<AppContext, 'clock' | 'routing' | 'store'>): Promise<void> {
  await ctx.store.transaction(async (tx) => {
    const existing = new Set((await tx.listFeePlans()).map((row) => row.id));
    for (const plan of DEFAULT_PLANS) if (!existing.has(plan.id)) await putFeePlan(ctx, plan, tx);
  });
}

export async function getFeePlanVersions(ctx: AppContext, id: string): Promise<FeePlanRow[]> {
  const versions = (await ctx.store.listFeePlans()).filter((row) => row.id === id);
  if (versions.length === 0) throw notFound('fee plan', id);
  return versions;
}

/** Refuses a merchant's plan names that do not exist or are of the other side. */
export async function checkPlanAssignment(ctx: AppContext, plans: { fee_plan?: string | null | undefined; payer_fee_plan?: string | null | undefined }): Promise<void> {
  const rows = await ctx.store.listFeePlans();
  const errors: FieldError[] = [];
  for (const [field, side] of [['fee_plan', 'merchant'], ['payer_fee_plan', 'payer']] as const) {
    const id = plans[field];
    if (id === undefined || id === null) continue;
    const plan = rows.find((row) => row.id === id);
    if (plan === undefined) errors.push({ pointer: `/${field}`, code: 'unknown_plan', detail: `There is no fee plan "${id}".` });
    else if (plan.side !== side) errors.push({ pointer: `/${field}`, code: 'wrong_side', detail: `"${id}" is a ${plan.side} plan; ${field} needs a ${side} plan.` });
  }
  if (errors.length > 0) throw new AppError('validation_failed', 'The fee plans named do not fit.', errors);
}

/** The allowance counters a quote reads and advances (DESIGN-NOTES §4), held by the caller's transaction. */
export interface AllowanceCounters {
  allowanceUsage(planId: string, subject: string, month: string): Promise<number>;
  addAllowanceUsage(planId: string, subject: string, month: string, deltaFen: number): Promise<void>;
}

export interface FeeQuote {
  merchantFee: number;
  payerFee: number;
  merchantPlan: string | null;
  payerPlan: string | null;
  merchantSubject: string | null;
  payerSubject: string | null;
}

/**
 * Prices a debit when it is accepted, inside its transaction: the quote is fixed from then on.
 * A cumulative plan's counter row is locked, read, and advanced in the same transaction, so that
 * two concurrent debits of one payer never both use the same allowance (DESIGN-NOTES §4).
 */
export async function quoteFees(
  ctx: AppContext,
  tx: AllowanceCounters,
  merchant: MerchantRow,
  mandate: Pick<MandateTerms, 'id_number_index' | 'account_index'>,
  amountFen: number,
  date: BusinessDate,
): Promise<FeeQuote> {
  const month = date.slice(0, 7);
  const quote: FeeQuote = { merchantFee: 0, payerFee: 0, merchantPlan: null, payerPlan: null, merchantSubject: null, payerSubject: null };
  const merchantPlan = ctx.routing.plan(merchant.fee_plan, date);
  if (merchantPlan !== null) {
    quote.merchantPlan = `${merchantPlan.id}@${merchantPlan.version}`;
    let cumulative = 0;
    if (merchantPlan.compiled.cumulative) {
      quote.merchantSubject = `merchant:${merchant.id}`;
      cumulative = await tx.allowanceUsage(merchantPlan.id, quote.merchantSubject, month);
      await tx.addAllowanceUsage(merchantPlan.id, quote.merchantSubject, month, amountFen);
    }
    quote.merchantFee = merchantPlan.compiled.quote(amountFen, cumulative);
  }
  const payerPlan = merchant.payer_fee_plan === null ? null : ctx.routing.plan(merchant.payer_fee_plan, date);
  if (payerPlan !== null) {
    quote.payerPlan = `${payerPlan.id}@${payerPlan.version}`;
    let cumulative = 0;
    if (payerPlan.compiled.cumulative) {
      // The payer is the person where the ID number is known, across all their accounts; else the account.
      quote.payerSubject = mandate.id_number_index !== null ? `id:${mandate.id_number_index}` : `account:${mandate.account_index}`;
      cumulative = await tx.allowanceUsage(payerPlan.id, quote.payerSubject, month);
      await tx.addAllowanceUsage(payerPlan.id, quote.payerSubject, month, amountFen);
    }
    quote.payerFee = payerPlan.compiled.quote(amountFen, cumulative);
  }
  return quote;
}

/** Gives a failed debit's room back to the counters it used. */
export async function releaseFees(tx: Pick<CatalogStore, 'addAllowanceUsage'>, debit: { amount: number; business_date: string; merchant_fee_plan: string | null; payer_fee_plan: string | null; merchant_fee_subject: string | null; payer_fee_subject: string | null }): Promise<void> {
  const month = debit.business_date.slice(0, 7);
  for (const [plan, subject] of [[debit.merchant_fee_plan, debit.merchant_fee_subject], [debit.payer_fee_plan, debit.payer_fee_subject]] as const) {
    if (plan === null || subject === null) continue;
    await tx.addAllowanceUsage(plan.split('@')[0]!, subject, month, -debit.amount);
  }
}
