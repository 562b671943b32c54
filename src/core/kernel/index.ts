export * from './invariant.js';
export * from './money.js';
export * from './clock.js';
export * from './ids.js';
