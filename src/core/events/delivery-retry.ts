import { invariant } from '../kernel/invariant.js';

/*
 * When a webhook delivery that did not succeed is tried again (SPEC §16: "retried with backoff for
 * 3 days"). The wait doubles from a minute, with jitter so that the deliveries an outage held back
 * do not all come back in the same instant, up to 12 hours; the last attempt is made exactly when
 * the 3-day window after the first one ends, and none after it. Pure: the random source is passed
 * in, so a test replays a schedule exactly.
 */

export const DELIVERY_RETRY_WINDOW_MS = 3 * 24 * 60 * 60 * 1000;
export const DELIVERY_RETRY_DELAY_MS_BASE = 60 * 1000;
export const DELIVERY_RETRY_DELAY_MS_MAX = 12 * 60 * 60 * 1000;

/** A number in [0, 1): `Math.random` outside the core, a seeded generator in tests. */
export type RandomSource = () => number;

/**
 * The wait after the `attempt`-th failed attempt (1 for the first). The jitter adds up to half of
 * the doubled base, so that the range after attempt n + 1 starts where the range after attempt n
 * ends: waits never shrink, whatever the draws, until the cap holds them.
 */
export function deliveryRetryDelayMs(attempt: number, random: RandomSource): number {
  invariant(Number.isSafeInteger(attempt) && attempt >= 1, 'a retry follows an attempt numbered from 1');
  const draw = random();
  invariant(draw >= 0 && draw < 1, 'a random source draws from [0, 1)');
  // 2^40 minutes is far past the cap: the exponent is bounded so the arithmetic stays exact.
  const base = DELIVERY_RETRY_DELAY_MS_BASE * 2 ** Math.min(attempt - 1, 40);
  return Math.min(Math.floor(base * (1 + draw / 2)), DELIVERY_RETRY_DELAY_MS_MAX);
}

/**
 * When to try a delivery again after its `attempt`-th attempt failed at `failedAtMs`, its first
 * attempt having been made at `firstAttemptAtMs`: null when the window is over (the delivery fails).
 */
export function nextDeliveryAttemptAtMs(firstAttemptAtMs: number, attempt: number, failedAtMs: number, random: RandomSource): number | null {
  const windowEndMs = firstAttemptAtMs + DELIVERY_RETRY_WINDOW_MS;
  if (failedAtMs >= windowEndMs) return null;
  return Math.min(failedAtMs + deliveryRetryDelayMs(attempt, random), windowEndMs);
}
