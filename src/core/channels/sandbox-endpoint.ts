/**
 * The endpoint value of a channel row meaning "the sandbox this hub runs with": the composition
 * root gives that channel's connector the sandbox's URL. Core, so that the use cases (which
 * default new channels to it) and the wiring share it without importing each other.
 */
export const SANDBOX_ENDPOINT = 'sandbox';
