/**
 * Paging of an account's received log on the control endpoints (`GET /v1/sandbox/accounts/…`):
 * shared by the sandbox and the hub's own sandbox routes, which check the same limits.
 */

export const RECEIVED_PAGE_LIMIT_MAX = 100;
export const RECEIVED_ID_PATTERN = /^rcv_[1-9]\d{0,14}$/;

export function receivedId(entryId: number): string {
  return `rcv_${entryId}`;
}
