import { compileFeeSchedule, compilePlan, PAYOUT_FEE_DEFAULT, type BusinessDate, type CompiledFeeSchedule, type CompiledPlan, type PlanSchedule, type PlanSide } from '../core/index.js';
import type { FeePlanRow } from './ports.js';

// Plan versions as the routing table holds them. Apart from fee-plans.ts (the use cases, which
// need the context) so that the routing table, which the context holds, imports no use case.

/** A plan version compiled for quoting. */
export interface ActivePlan {
  id: string;
  version: number;
  side: PlanSide;
  compiled: CompiledPlan;
  /** The fee per payout: the plan's `payout` schedule, or PAYOUT_FEE_DEFAULT. */
  payout: CompiledFeeSchedule;
  effectiveFrom: string | null;
  effectiveUntil: string | null;
}

export function activePlan(row: FeePlanRow): ActivePlan {
  const schedule = JSON.parse(row.schedule) as PlanSchedule;
  return {
    payout: compileFeeSchedule(schedule.payout ?? PAYOUT_FEE_DEFAULT),
    id: row.id,
    version: row.version,
    side: row.side,
    compiled: compilePlan(schedule),
    effectiveFrom: row.effective_from,
    effectiveUntil: row.effective_until,
  };
}

/** The newest version of a plan in force on a date, from all versions of all plans. */
export function planInForce(versions: readonly ActivePlan[], id: string, date: BusinessDate): ActivePlan | null {
  let found: ActivePlan | null = null;
  for (const plan of versions) {
    if (plan.id !== id) continue;
    if (plan.effectiveFrom !== null && date < plan.effectiveFrom) continue;
    if (plan.effectiveUntil !== null && date > plan.effectiveUntil) continue;
    if (found === null || plan.version > found.version) found = plan;
  }
  return found;
}
