import { invariant } from '../kernel/invariant.js';

/**
 * A fee schedule (SPEC §7): `fixed` fen plus `rate` × amount, rounded half up to the fen, then
 * held between `min` and `max`. Channel costs use it today; merchant and payer plans extend it
 * (monthly allowances, tiers) without replacing it.
 */
export interface FeeSchedule {
  fixed?: number | undefined;
  /** A decimal string, e.g. "0.0006" for 0.06 %. Never a float. */
  rate?: string | undefined;
  min?: number | undefined;
  max?: number | undefined;
}

const RATE_PATTERN = /^(0|[1-9]\d{0,5})(?:\.(\d{1,12}))?$/;

/** An exact rate: numerator / 10^scale. */
export interface ExactRate {
  numerator: bigint;
  denominator: bigint;
}

/** Parses a decimal rate string exactly; null for anything that is not a plain non-negative decimal. */
export function parseRate(text: string): ExactRate | null {
  const match = RATE_PATTERN.exec(text);
  if (!match) return null;
  const decimals = match[2] ?? '';
  return { numerator: BigInt(`${match[1]}${decimals}`), denominator: 10n ** BigInt(decimals.length) };
}

/** amount × rate, rounded half up to the fen, in exact integer arithmetic. */
export function applyRate(amountFen: number, rate: ExactRate): number {
  invariant(Number.isSafeInteger(amountFen) && amountFen >= 0, `amount ${amountFen} is not a non-negative integer of fen`);
  const product = BigInt(amountFen) * rate.numerator;
  const rounded = (product * 2n + rate.denominator) / (2n * rate.denominator);
  invariant(rounded <= BigInt(Number.MAX_SAFE_INTEGER), `fee on ${amountFen} fen is beyond the safe integers`);
  return Number(rounded);
}

/** Problems with a schedule, as field errors relative to the schedule object. */
export function checkFeeSchedule(schedule: FeeSchedule): { pointer: string; code: string; detail: string }[] {
  const errors: { pointer: string; code: string; detail: string }[] = [];
  for (const key of ['fixed', 'min', 'max'] as const) {
    const value = schedule[key];
    if (value !== undefined && !(Number.isSafeInteger(value) && value >= 0)) {
      errors.push({ pointer: `/${key}`, code: 'invalid_amount', detail: `${key} is a non-negative integer amount of fen.` });
    }
  }
  if (schedule.rate !== undefined && parseRate(schedule.rate) === null) {
    errors.push({ pointer: '/rate', code: 'invalid_rate', detail: 'rate is a decimal string such as "0.0006", with at most 12 decimals.' });
  }
  if (schedule.min !== undefined && schedule.max !== undefined && schedule.min > schedule.max) {
    errors.push({ pointer: '/max', code: 'below_min', detail: 'max is below min.' });
  }
  return errors;
}

/** A schedule compiled once, so that the hot path does no parsing. */
export interface CompiledFeeSchedule {
  (amountFen: number): number;
}

export function compileFeeSchedule(schedule: FeeSchedule): CompiledFeeSchedule {
  const rate = schedule.rate === undefined ? null : parseRate(schedule.rate);
  invariant(schedule.rate === undefined || rate !== null, `invalid rate ${schedule.rate}`);
  const fixed = schedule.fixed ?? 0;
  const min = schedule.min ?? 0;
  const max = schedule.max ?? Number.MAX_SAFE_INTEGER;
  invariant(min <= max, `schedule min ${min} is above max ${max}`);
  return (amountFen: number) => {
    const variable = rate === null ? 0 : applyRate(amountFen, rate);
    return Math.min(max, Math.max(min, fixed + variable));
  };
}
