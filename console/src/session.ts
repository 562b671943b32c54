import { createDaikouClient, type DaikouClient } from '../../src/client/index.js';

/**
 * The logged-in key. It lives in session storage only (SPEC §17): gone when the tab closes,
 * never in local storage or a cookie, never sent anywhere but this origin's API.
 */
export type Role = 'operator' | 'merchant';

export interface Session {
  key: string;
  role: Role;
  client: DaikouClient;
}

const KEY_STORAGE = 'daikou.key';
const ROLE_STORAGE = 'daikou.role';

export function clientFor(key: string): DaikouClient {
  return createDaikouClient(window.location.origin, key);
}

/**
 * The client of a logged-in session: should the API stop taking its key (revoked, rotated), the
 * session ends and the login page comes back, rather than every page showing the same error.
 */
function sessionClient(key: string): DaikouClient {
  const client = clientFor(key);
  client.use({
    onResponse({ response }) {
      if (response.status === 401) {
        logOut();
        window.location.assign('/');
      }
    },
  });
  return client;
}

/** An Idempotency-Key: crypto.getRandomValues works on plain http too, where randomUUID does not (it needs a secure context). */
export function idempotencyKey(): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (byte) => byte.toString(16).padStart(2, '0')).join('');
}

export type LoginOutcome = { ok: true; session: Session } | { ok: false; reason: 'invalid_key' } | { ok: false; reason: 'failed'; detail: string };

/**
 * Which kind of key this is, from what the API answers: listing merchants is an operator's
 * call, so a merchant key gets 403 and a key that is no key at all gets 401.
 */
export async function logIn(key: string): Promise<LoginOutcome> {
  const client = clientFor(key);
  const { response, error } = await client.GET('/v1/merchants', { params: { query: { limit: 1 } } });
  let role: Role;
  if (response.status === 200) role = 'operator';
  else if (response.status === 403) role = 'merchant';
  else if (response.status === 401) return { ok: false, reason: 'invalid_key' };
  else return { ok: false, reason: 'failed', detail: error?.detail ?? String(response.status) };
  window.sessionStorage.setItem(KEY_STORAGE, key);
  window.sessionStorage.setItem(ROLE_STORAGE, role);
  return { ok: true, session: { key, role, client: sessionClient(key) } };
}

export function restoreSession(): Session | null {
  const key = window.sessionStorage.getItem(KEY_STORAGE);
  const role = window.sessionStorage.getItem(ROLE_STORAGE);
  if (key === null || (role !== 'operator' && role !== 'merchant')) return null;
  return { key, role, client: sessionClient(key) };
}

export function logOut(): void {
  window.sessionStorage.removeItem(KEY_STORAGE);
  window.sessionStorage.removeItem(ROLE_STORAGE);
}
