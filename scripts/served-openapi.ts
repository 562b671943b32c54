import { startThrowawayHub } from '../src/bench/throwaway-hub.js';

/**
 * The document a running daikou serves at /openapi.json: a hub is started on an empty SQLite
 * database in a temporary directory (with its sandbox, whose routes are part of the API), asked,
 * and stopped.
 */
export async function servedOpenApiDocument(): Promise<unknown> {
  const { hub, close } = await startThrowawayHub('openapi', null);
  try {
    const response = await fetch(`${hub.url}/openapi.json`);
    if (!response.ok) throw new Error(`/openapi.json answered ${response.status}`);
    return await response.json();
  } finally {
    await close();
  }
}

/** The committed form: two-space JSON and a final newline, so that diffs stay readable. */
export function documentText(document: unknown): string {
  return `${JSON.stringify(document, null, 2)}\n`;
}
