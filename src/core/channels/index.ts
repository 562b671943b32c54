export * from './connector.js';
export * from './sandbox-endpoint.js';
