import crypto from 'node:crypto';

/*
 * Standard Webhooks signatures (https://www.standardwebhooks.com, SPEC §16): every delivery
 * carries `webhook-id`, `webhook-timestamp` (Unix seconds) and `webhook-signature`, a space-
 * separated list of `v1,<base64 HMAC-SHA256>` over `<id>.<timestamp>.<body>`, keyed with the
 * bytes the endpoint's secret (`whsec_<base64>`) encodes. During a secret's rotation the list
 * holds one signature per secret, so that a receiver holding either verifies.
 */

export const WEBHOOK_SECRET_PREFIX = 'whsec_';
/** 24 random bytes: 192 bits, within the 24–64 bytes the specification recommends. */
const SECRET_BYTES = 24;

/** A new endpoint secret, as shown once to the merchant. */
export function newWebhookSecret(randomBytes: (size: number) => Buffer = crypto.randomBytes): string {
  return `${WEBHOOK_SECRET_PREFIX}${randomBytes(SECRET_BYTES).toString('base64')}`;
}

/** The key bytes of a `whsec_…` secret; throws on anything else. */
export function webhookSecretKey(secret: string): Buffer {
  if (!secret.startsWith(WEBHOOK_SECRET_PREFIX)) throw new Error('a webhook secret starts with whsec_');
  const encoded = secret.slice(WEBHOOK_SECRET_PREFIX.length);
  const key = Buffer.from(encoded, 'base64');
  // Buffer.from ignores what is not base64: insist that the text is exactly the key's encoding.
  if (key.length === 0 || key.toString('base64') !== encoded) throw new Error('a webhook secret is whsec_ and base64');
  return key;
}

export interface SignedContent {
  /** Stable per (event, endpoint): receivers deduplicate on it. */
  id: string;
  /** Unix seconds of this attempt. */
  timestamp: number;
  /** The exact body sent. */
  body: string;
}

/** `v1,<signature>` of one secret. */
export function signWebhook(secret: string, content: SignedContent): string {
  const mac = crypto.createHmac('sha256', webhookSecretKey(secret)).update(`${content.id}.${content.timestamp}.${content.body}`).digest('base64');
  return `v1,${mac}`;
}

/** The three headers of a delivery, signed with every secret in force (one, or two while rotating). */
export function webhookHeaders(secrets: readonly string[], content: SignedContent): Record<'webhook-id' | 'webhook-timestamp' | 'webhook-signature', string> {
  if (secrets.length === 0) throw new Error('a delivery is signed with at least one secret');
  return {
    'webhook-id': content.id,
    'webhook-timestamp': String(content.timestamp),
    'webhook-signature': secrets.map((secret) => signWebhook(secret, content)).join(' '),
  };
}
