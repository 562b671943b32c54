export * from './invariant.js';
export * from './money.js';
export * from './clock.js';
export * from './ids.js';
export * from './json-pointer.js';
