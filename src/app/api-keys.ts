import crypto from 'node:crypto';
import type { AppContext } from './context.js';
import { nowIso } from './context.js';
import { findPersonalDataInText } from '../core/payers/index.js';
import { invariant } from '../core/index.js';
import { notFound, validationFailed } from './errors.js';
import type { AccessStore, ApiKeyRow, Page, PageRequest } from './ports.js';

/** Who is calling: the operator, or one merchant. */
/** `keyId`: the key's id (`key_…`), or `operator:env` for the operator key given in the environment; recorded where an action names who did it. */
export type Principal = { kind: 'operator'; keyId: string } | { kind: 'merchant'; merchantId: string; keyId: string };

/** Who acted, when the operator key of the environment (DAIKOU_OPERATOR_KEY) was used: it has no row. */
export const ENV_OPERATOR_KEY_ID = 'operator:env';

/**
 * API keys are random 32-byte tokens, so a plain SHA-256 is enough to store them: there is no
 * low-entropy secret for a slow hash to protect.
 */
export function hashApiKey(key: string): string {
  return crypto.hash('sha256', key, 'hex');
}

/** How much of a key is stored in the clear and shown in lists: `dk_mer_` and 5 of its 43 random characters. */
export const API_KEY_PREFIX_LENGTH = 12;

export async function issueApiKey(
  ctx: Pick<AppContext, 'store' | 'clock' | 'ids' | 'secrets'>,
  merchantId: string | null,
  label: string,
  tx: AccessStore = ctx.store,
): Promise<string> {
  return (await issueApiKeyRow(ctx, merchantId, label, tx)).key;
}

/** Issues a key; the key itself is returned once, only its hash and prefix are stored. */
async function issueApiKeyRow(
  ctx: Pick<AppContext, 'clock' | 'ids' | 'secrets'>,
  merchantId: string | null,
  label: string,
  tx: AccessStore,
): Promise<{ row: ApiKeyRow; key: string }> {
  const kind = merchantId === null ? 'dk_op_' : 'dk_mer_';
  const key = `${kind}${ctx.secrets.randomToken(32)}`;
  const row: ApiKeyRow = {
    id: ctx.ids.next('apiKey'),
    key_hash: hashApiKey(key),
    merchant_id: merchantId,
    prefix: key.slice(0, API_KEY_PREFIX_LENGTH),
    label,
    created_at: nowIso(ctx),
    revoked_at: null,
  };
  await tx.insertApiKey(row);
  return { row, key };
}

/** Another key for a merchant (SPEC §17). Fails with not_found for an unknown merchant. */
export async function issueMerchantKey(ctx: AppContext, merchantId: string, label: string): Promise<{ row: ApiKeyRow; key: string }> {
  // A label is shown to whoever lists keys, and kept: no card or ID number in it.
  if (findPersonalDataInText(label) !== null) {
    throw validationFailed([{ pointer: '/label', code: 'personal_data', detail: 'A label may not contain a card or ID number.' }]);
  }
  return ctx.store.transaction(async (tx) => {
    if ((await tx.getMerchant(merchantId)) === null) throw notFound('merchant', merchantId);
    return issueApiKeyRow(ctx, merchantId, label, tx);
  });
}

export async function listMerchantKeys(ctx: AppContext, merchantId: string, page: PageRequest): Promise<Page<ApiKeyRow>> {
  if ((await ctx.store.getMerchant(merchantId)) === null) throw notFound('merchant', merchantId);
  return ctx.store.listApiKeys({ ...page, merchantId });
}

/**
 * Revokes a merchant's key; it is refused from the next request on. Revoking a revoked key
 * changes nothing. A merchant's last key may be revoked too: the merchant is then locked out
 * until the operator issues another — how an operator cuts a merchant off. Operator keys are
 * not reachable here (not_found): `daikou operator-key rotate` replaces them.
 */
export async function revokeMerchantKey(ctx: AppContext, id: string): Promise<ApiKeyRow> {
  return ctx.store.transaction(async (tx) => {
    const row = await tx.getApiKey(id);
    if (row === null || row.merchant_id === null) throw notFound('API key', id);
    if (row.revoked_at !== null) return row;
    const at = nowIso(ctx);
    invariant(await tx.revokeApiKey(id, at), `API key ${id} was revoked meanwhile`);
    return { ...row, revoked_at: at };
  });
}

/**
 * A new operator key, and every other stored operator key revoked, in one transaction: the
 * caller prints the key once. A key given in DAIKOU_OPERATOR_KEY is not stored and stays valid
 * for as long as it is set.
 */
export async function rotateOperatorKey(ctx: Pick<AppContext, 'store' | 'clock' | 'ids' | 'secrets'>): Promise<{ key: string; revoked: number }> {
  return ctx.store.transaction(async (tx) => {
    const { row, key } = await issueApiKeyRow(ctx, null, 'rotated operator key', tx);
    const revoked = await tx.revokeOperatorKeysExcept(row.id, row.created_at);
    return { key, revoked };
  });
}

/** `keyHash`: `hashApiKey(key)`, when the caller has it already. */
export async function authenticate(ctx: Pick<AppContext, 'store'>, key: string, operatorKeyFromEnv: string | null, keyHash = hashApiKey(key)): Promise<Principal | null> {
  if (operatorKeyFromEnv !== null && timingSafeEqual(key, operatorKeyFromEnv)) return { kind: 'operator', keyId: ENV_OPERATOR_KEY_ID };
  const row = await ctx.store.findApiKeyByHash(keyHash);
  if (row === null || row.revoked_at !== null) return null;
  return row.merchant_id === null ? { kind: 'operator', keyId: row.id } : { kind: 'merchant', merchantId: row.merchant_id, keyId: row.id };
}

function timingSafeEqual(a: string, b: string): boolean {
  const left = crypto.createHash('sha256').update(a).digest();
  const right = crypto.createHash('sha256').update(b).digest();
  return crypto.timingSafeEqual(left, right);
}

/**
 * On first start with no operator key at all, creates one and returns it so that it can be
 * printed once. Returns null when an operator key exists or one comes from the environment.
 */
export async function ensureOperatorKey(
  ctx: Pick<AppContext, 'store' | 'clock' | 'ids' | 'secrets'>,
  operatorKeyFromEnv: string | null,
): Promise<string | null> {
  if (operatorKeyFromEnv !== null) return null;
  return ctx.store.transaction(async (tx) => {
    if ((await tx.countOperatorKeys()) > 0) return null;
    return issueApiKey(ctx, null, 'first operator key', tx);
  });
}
