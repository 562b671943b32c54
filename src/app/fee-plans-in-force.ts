import type { BusinessDate } from '../core/index.js';
import { activePlan, planInForce, type ActivePlan } from './plan-versions.js';
import type { FeePlanRow } from './ports.js';

/** Every version of every fee plan, compiled, as the router cache last loaded them. */
export class FeePlansInForce {
  #plans: ActivePlan[] = [];

  replace(rows: readonly FeePlanRow[]): void {
    this.#plans = rows.map(activePlan);
  }

  /** The version of a plan in force on a date; null when none is (yet). */
  plan(id: string, date: BusinessDate): ActivePlan | null {
    return planInForce(this.#plans, id, date);
  }
}
