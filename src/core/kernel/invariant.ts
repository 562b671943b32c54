/**
 * Bugs are assertions: a broken invariant means the program is wrong, not the input.
 * Expected failures are values (reason codes); this is only for what cannot happen.
 */
export class InvariantError extends Error {
  override name = 'InvariantError';
}

export function invariant(condition: unknown, message: string): asserts condition {
  if (!condition) throw new InvariantError(message);
}
