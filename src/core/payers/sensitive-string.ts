import { maskAccountNumber } from './mask-account-number.js';
import { maskIdNumber } from './mask-id-number.js';
import { maskPhone } from './mask-phone.js';

/** The symbol Node's `util.inspect` (and so `console.log`) looks for; no `node:util` import needed. */
const INSPECT = Symbol.for('nodejs.util.inspect.custom');

/**
 * A personal value (account, ID or phone number) that shows only its masked form wherever it is
 * turned into text by accident: string conversion, template literals, `JSON.stringify` (and so
 * pino and HTTP bodies), `console.log` and `util.inspect`. The plaintext lives in a `#private`
 * field, which neither spreading, `Object.keys`, structured logging nor `util.inspect` can see;
 * `reveal()` is the only way to it, and easy to search for in review.
 */
export class SensitiveString {
  readonly #plaintext: string;
  readonly masked: string;

  constructor(plaintext: string, mask: (plaintext: string) => string) {
    this.#plaintext = plaintext;
    this.masked = mask(plaintext);
    Object.freeze(this);
  }

  /** The plaintext, for encryption, the blind index, and messages to the channel. Nothing else. */
  reveal(): string {
    return this.#plaintext;
  }

  toString(): string {
    return this.masked;
  }

  toJSON(): string {
    return this.masked;
  }

  /** `+value`, `value + ''` and `${value}` all land here. */
  [Symbol.toPrimitive](): string {
    return this.masked;
  }

  [INSPECT](): string {
    return this.masked;
  }
}

export function sensitiveAccount(accountNumber: string): SensitiveString {
  return new SensitiveString(accountNumber, maskAccountNumber);
}

export function sensitiveId(idNumber: string): SensitiveString {
  return new SensitiveString(idNumber, maskIdNumber);
}

export function sensitivePhone(phone: string): SensitiveString {
  return new SensitiveString(phone, maskPhone);
}
