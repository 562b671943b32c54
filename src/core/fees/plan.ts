import { invariant } from '../kernel/invariant.js';
import { checkFeeSchedule, parseRate, type ExactRate, type FeeSchedule } from './schedule.js';

/**
 * A fee plan's schedule (SPEC §7): the FeeSchedule of every channel cost, extended with what
 * plans need — a per-calendar-month free `allowance` on the cumulative amount, or `tiers` by
 * cumulative monthly amount. Tiers are marginal, like tax brackets: each part of the amount is
 * charged at the rate of the band its cumulative position falls in.
 */
export interface PlanSchedule extends FeeSchedule {
  /** The first `allowance` fen of a month's cumulative amount are free. */
  allowance?: number | undefined;
  /** Bands of cumulative monthly amount; the last has no `up_to`. Replaces `rate` when given. */
  tiers?: { up_to?: number | undefined; rate: string }[] | undefined;
  /**
   * What a merchant plan charges per payout (SPEC §14), on the payout's amount; a plan without
   * one charges PAYOUT_FEE_DEFAULT (src/core/payouts). Not cumulative: no allowance, no tiers.
   */
  payout?: FeeSchedule | undefined;
}

/** Whether quoting needs the month's cumulative amount (and so a counter row). */
export function isCumulative(schedule: PlanSchedule): boolean {
  return schedule.allowance !== undefined || schedule.tiers !== undefined;
}

export function checkPlanSchedule(schedule: PlanSchedule): { pointer: string; code: string; detail: string }[] {
  const errors = checkFeeSchedule(schedule);
  if (schedule.payout !== undefined) errors.push(...checkFeeSchedule(schedule.payout).map((error) => ({ ...error, pointer: `/payout${error.pointer}` })));
  if (schedule.allowance !== undefined && !(Number.isSafeInteger(schedule.allowance) && schedule.allowance >= 0)) {
    errors.push({ pointer: '/allowance', code: 'invalid_amount', detail: 'allowance is a non-negative integer amount of fen.' });
  }
  if (schedule.tiers !== undefined) {
    if (schedule.rate !== undefined) errors.push({ pointer: '/rate', code: 'rate_and_tiers', detail: 'Give rate or tiers, not both.' });
    if (schedule.tiers.length === 0) errors.push({ pointer: '/tiers', code: 'empty', detail: 'tiers needs at least one band.' });
    let previous = 0;
    schedule.tiers.forEach((tier, index) => {
      if (parseRate(tier.rate) === null) errors.push({ pointer: `/tiers/${index}/rate`, code: 'invalid_rate', detail: 'rate is a decimal string such as "0.001".' });
      const last = index === schedule.tiers!.length - 1;
      if (last !== (tier.up_to === undefined)) {
        errors.push({ pointer: `/tiers/${index}/up_to`, code: last ? 'last_band_open' : 'required', detail: 'Every band but the last has up_to; the last has none.' });
      } else if (tier.up_to !== undefined) {
        if (!(Number.isSafeInteger(tier.up_to) && tier.up_to > previous)) {
          errors.push({ pointer: `/tiers/${index}/up_to`, code: 'not_increasing', detail: 'up_to grows from band to band, in fen.' });
        }
        previous = tier.up_to;
      }
    });
  }
  return errors;
}

interface Band {
  from: bigint;
  to: bigint | null;
  rate: ExactRate;
}

export interface CompiledPlan {
  /** The fee on `amountFen` when `cumulativeFen` of the month was used before it. */
  quote(amountFen: number, cumulativeFen: number): number;
  readonly cumulative: boolean;
}

/** Compiles a plan schedule once; quoting is then exact integer arithmetic with no parsing. */
export function compilePlan(schedule: PlanSchedule): CompiledPlan {
  invariant(checkPlanSchedule(schedule).length === 0, 'plan schedule is invalid');
  const bands: Band[] = [];
  const zero: ExactRate = { numerator: 0n, denominator: 1n };
  const allowance = BigInt(schedule.allowance ?? 0);
  if (allowance > 0n) bands.push({ from: 0n, to: allowance, rate: zero });
  if (schedule.tiers !== undefined) {
    let from = 0n;
    for (const tier of schedule.tiers) {
      const to = tier.up_to === undefined ? null : BigInt(tier.up_to);
      bands.push({ from: from > allowance ? from : allowance, to, rate: parseRate(tier.rate)! });
      from = to ?? from;
    }
  } else {
    bands.push({ from: allowance, to: null, rate: schedule.rate === undefined ? zero : parseRate(schedule.rate)! });
  }
  const fixed = BigInt(schedule.fixed ?? 0);
  const min = schedule.min ?? 0;
  const max = schedule.max ?? Number.MAX_SAFE_INTEGER;
  return {
    cumulative: isCumulative(schedule),
    quote(amountFen, cumulativeFen) {
      invariant(Number.isSafeInteger(amountFen) && amountFen > 0, `amount ${amountFen} is not a positive integer of fen`);
      invariant(Number.isSafeInteger(cumulativeFen) && cumulativeFen >= 0, `cumulative ${cumulativeFen} is not a non-negative integer of fen`);
      const start = BigInt(cumulativeFen);
      const end = start + BigInt(amountFen);
      // Sum the bands as one exact fraction over a common denominator, then round once.
      let numerator = 0n;
      let denominator = 1n;
      for (const band of bands) {
        const low = start > band.from ? start : band.from;
        const high = band.to === null || end < band.to ? end : band.to;
        if (high <= low || band.rate.numerator === 0n) continue;
        numerator = numerator * band.rate.denominator + (high - low) * band.rate.numerator * denominator;
        denominator *= band.rate.denominator;
      }
      numerator += fixed * denominator;
      // Nothing due (all of it inside the allowance, no fixed part): no minimum either.
      if (numerator === 0n) return 0;
      const exact = (numerator * 2n + denominator) / (2n * denominator);
      invariant(exact <= BigInt(Number.MAX_SAFE_INTEGER), `fee on ${amountFen} fen is beyond the safe integers`);
      return Math.min(max, Math.max(min, Number(exact)));
    },
  };
}
