import crypto from 'node:crypto';
import type { AppContext } from './context.js';
import { nowIso } from './context.js';
import type { StoreTx } from './ports.js';

/** Who is calling: the operator, or one merchant. */
export type Principal = { kind: 'operator' } | { kind: 'merchant'; merchantId: string };

/**
 * API keys are random 32-byte tokens, so a plain SHA-256 is enough to store them: there is no
 * low-entropy secret for a slow hash to protect.
 */
export function hashApiKey(key: string): string {
  return crypto.createHash('sha256').update(key).digest('hex');
}

export async function issueApiKey(
  ctx: Pick<AppContext, 'store' | 'clock' | 'ids' | 'secrets'>,
  merchantId: string | null,
  label: string,
  tx: StoreTx = ctx.store,
): Promise<string> {
  const prefix = merchantId === null ? 'dk_op_' : 'dk_mer_';
  const key = `${prefix}${ctx.secrets.randomToken(32)}`;
  await tx.insertApiKey({
    id: ctx.ids.next('apiKey'),
    key_hash: hashApiKey(key),
    merchant_id: merchantId,
    label,
    created_at: nowIso(ctx),
    revoked_at: null,
  });
  return key;
}

export async function authenticate(ctx: Pick<AppContext, 'store'>, key: string, operatorKeyFromEnv: string | null): Promise<Principal | null> {
  if (operatorKeyFromEnv !== null && timingSafeEqual(key, operatorKeyFromEnv)) return { kind: 'operator' };
  const row = await ctx.store.findApiKeyByHash(hashApiKey(key));
  if (row === null || row.revoked_at !== null) return null;
  return row.merchant_id === null ? { kind: 'operator' } : { kind: 'merchant', merchantId: row.merchant_id };
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
