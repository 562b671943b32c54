import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/**
 * Personal data at rest (SPEC §13, DESIGN-NOTES §5): AES-256-GCM ciphertext with a key id, and a
 * blind index (HMAC-SHA-256) for equality lookups. Both keys are derived from one master key with
 * HKDF so that neither can be computed from the other.
 */
export class Vault {
  readonly #encryptionKey: Buffer;
  readonly #indexKey: Buffer;
  /** The index key as a KeyObject: an HMAC made from it skips copying the key (one per API debit, one per batch row). */
  readonly #indexKeyObject: crypto.KeyObject;
  /** Written into every ciphertext so that a rotated key can still open old rows. */
  readonly keyId: string;

  constructor(masterKey: Buffer) {
    if (masterKey.length < 32) throw new Error('the master key must be at least 32 bytes');
    this.#encryptionKey = Buffer.from(crypto.hkdfSync('sha256', masterKey, Buffer.alloc(0), 'daikou/encryption/v1', 32));
    this.#indexKey = Buffer.from(crypto.hkdfSync('sha256', masterKey, Buffer.alloc(0), 'daikou/blind-index/v1', 32));
    this.#indexKeyObject = crypto.createSecretKey(this.#indexKey);
    this.keyId = crypto.createHash('sha256').update(this.#indexKey).digest('hex').slice(0, 8);
  }

  /** `<key id>.<base64(iv | tag | ciphertext)>` */
  seal(plaintext: string): string {
    const iv = crypto.randomBytes(12);
    const cipher = crypto.createCipheriv('aes-256-gcm', this.#encryptionKey, iv);
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return `${this.keyId}.${Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64')}`;
  }

  open(sealed: string): string {
    const [keyId, payload] = sealed.split('.', 2);
    if (keyId !== this.keyId || payload === undefined) {
      throw new Error(`ciphertext was sealed with key ${keyId ?? '?'}, this vault holds ${this.keyId}`);
    }
    const bytes = Buffer.from(payload, 'base64');
    const decipher = crypto.createDecipheriv('aes-256-gcm', this.#encryptionKey, bytes.subarray(0, 12));
    decipher.setAuthTag(bytes.subarray(12, 28));
    return Buffer.concat([decipher.update(bytes.subarray(28)), decipher.final()]).toString('utf8');
  }

  /** The blind index of a normalized value; `domain` keeps account and ID indexes apart. */
  index(domain: 'account' | 'id_number' | 'phone' | 'idempotency_key', value: string): string {
    return crypto.createHmac('sha256', this.#indexKeyObject).update(`${domain}\u0000${value}`).digest('base64url');
  }

  /** A secret derived for another purpose (the sandbox's account keys), never the master key itself. */
  derive(purpose: string): string {
    return Buffer.from(crypto.hkdfSync('sha256', this.#indexKey, Buffer.alloc(0), `daikou/${purpose}`, 32)).toString('hex');
  }
}

/**
 * The master key: `DAIKOU_MASTER_KEY` (64 hex characters or base64 of 32 bytes) when set,
 * else `<dataDir>/master.key`, created with mode 0600 on first start.
 */
export function loadMasterKey(dataDir: string, fromEnv: string | undefined): Buffer {
  if (fromEnv !== undefined && fromEnv !== '') {
    const key = /^[0-9a-f]{64}$/i.test(fromEnv) ? Buffer.from(fromEnv, 'hex') : Buffer.from(fromEnv, 'base64');
    if (key.length !== 32) throw new Error('DAIKOU_MASTER_KEY must be 32 bytes: 64 hex characters or base64');
    return key;
  }
  const file = path.join(dataDir, 'master.key');
  if (fs.existsSync(file)) return Buffer.from(fs.readFileSync(file, 'utf8').trim(), 'hex');
  fs.mkdirSync(dataDir, { recursive: true });
  const key = crypto.randomBytes(32);
  fs.writeFileSync(file, `${key.toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
  return key;
}
