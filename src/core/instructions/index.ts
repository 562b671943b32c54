export * from './status.js';
export * from './event-type.js';
export * from './channel-answer.js';
export * from './transition-table.js';
