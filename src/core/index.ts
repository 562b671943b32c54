export * from './kernel/index.js';
export * from './debits/index.js';
export * from './mandates/index.js';
export * from './merchants/index.js';
export * from './ledger/index.js';
export * from './routing/index.js';
export * from './channels/index.js';
export * from './fees/index.js';
