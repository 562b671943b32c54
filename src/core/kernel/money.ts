import { invariant } from './invariant.js';

/** An amount in fen (分), the only unit money takes inside daikou. Never a float. */
export type Fen = number & { readonly __brand: 'Fen' };

export function isFen(value: unknown): value is Fen {
  return typeof value === 'number' && Number.isSafeInteger(value);
}

/** An amount a client may ask to move: a positive safe integer. */
export function isPositiveFen(value: unknown): value is Fen {
  return isFen(value) && value > 0;
}

export function fen(value: number): Fen {
  invariant(Number.isSafeInteger(value), `not an integer amount of fen: ${value}`);
  return value as Fen;
}

export function addFen(a: Fen, b: Fen): Fen {
  return fen(a + b);
}

const YUAN_PATTERN = /^(0|[1-9]\d{0,13})(?:\.(\d{1,2}))?$/;

/**
 * Parses a yuan amount written with at most two decimals ("12.30", "5", "0.07") into fen,
 * exactly: the digits are read as integers, never through a float.
 * Returns null for anything else (signs, exponents, three decimals, spaces).
 */
export function parseYuan(text: string): Fen | null {
  const match = YUAN_PATTERN.exec(text);
  if (!match) return null;
  const whole = Number(match[1]);
  const decimals = (match[2] ?? '').padEnd(2, '0');
  const value = whole * 100 + Number(decimals);
  return Number.isSafeInteger(value) ? (value as Fen) : null;
}

/** Formats fen as a yuan string with exactly two decimals ("12.30"). */
export function formatYuan(amount: Fen): string {
  const negative = amount < 0;
  const abs = Math.abs(amount);
  const text = `${Math.trunc(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
  return negative ? `-${text}` : text;
}
