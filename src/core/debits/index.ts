export * from './codes.js';
export * from './state.js';
