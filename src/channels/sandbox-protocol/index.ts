/**
 * The daikou channel protocol (docs/sandbox-protocol.md) as data: the schemas and limits that the
 * sandbox, its connector and the hub's sandbox routes share, so that the wire format is written
 * once.
 */
export * from './debit-messages.js';
export * from './received-pages.js';
