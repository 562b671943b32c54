export * from './schedule.js';
export * from './plan.js';
