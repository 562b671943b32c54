/**
 * The endpoint value meaning "the sandbox this hub runs with". A file of its own: the routing
 * table resolves it and must not import the channel use cases, which import the context.
 */
export const SANDBOX_ENDPOINT = 'sandbox';
