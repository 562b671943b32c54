export * from './statement-error.js';
export * from './read-statement-csv.js';
export * from './read-camt053.js';
