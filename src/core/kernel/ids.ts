/** Id prefixes of SPEC §2; every id is `<prefix>_<time-ordered suffix>`. */
export const ID_PREFIXES = {
  merchant: 'mer',
  mandate: 'mdt',
  debit: 'dbt',
  payout: 'pyt',
  batch: 'bat',
  channel: 'chn',
  event: 'evt',
  reconciliation: 'rcn',
  apiKey: 'key',
  attempt: 'att',
  ledgerTransaction: 'ltx',
  settlement: 'stl',
  webhookEndpoint: 'we',
  notice: 'ntc',
  /** A webhook delivery: its id is the `webhook-id` header, the same at every attempt. */
  webhookDelivery: 'msg',
} as const;

export type IdKind = keyof typeof ID_PREFIXES;

/** Where ids come from; injected so that tests can replay a scenario exactly. */
export interface IdSource {
  next(kind: IdKind): string;
}

/**
 * Time-ordered ids from a counter: deterministic, for tests and simulations.
 * Ids sort in creation order because the counter is zero-padded.
 */
export class SequentialIds implements IdSource {
  #counter = 0;
  next(kind: IdKind): string {
    this.#counter += 1;
    return `${ID_PREFIXES[kind]}_${String(this.#counter).padStart(16, '0')}`;
  }
}
