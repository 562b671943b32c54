/**
 * The API's representations, one zod schema each: routes serialize their answers through them
 * (Fastify response schemas) and the OpenAPI document is generated from them, so the two cannot
 * differ. Presenters (../presenters.ts) build values of these types.
 */
export * from './common.js';
export * from './merchants.js';
export * from './mandates.js';
export * from './debits.js';
export * from './batches.js';
export * from './ledger.js';
export * from './routing.js';
export * from './fee-plans.js';
export * from './sandbox.js';
export * from './operations.js';
export * from './calendar.js';
export * from './payouts.js';
export * from './settlements.js';
export * from './webhooks.js';
export * from './reconciliations.js';
export * from './events.js';
