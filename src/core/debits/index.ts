export * from './codes.js';
export { INSTRUCTION_STATUSES as DEBIT_STATUSES, type InstructionStatus as DebitStatus } from '../instructions/index.js';
export * from './representment.js';
