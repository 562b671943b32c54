import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson, requestHashOf } from '../../src/app/debits.js';

/** The canonical form as first defined (sorted keys, undefined members left out): stored request hashes were made with it. */
function reference(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(reference).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${reference(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * An Idempotency-Key is reused with the hash of its request's canonical JSON, stored with the key
 * for 24 h: a faster way to compute it must give the same text and hash, or a retry across an
 * upgrade would be refused `idempotency_key_reused`.
 */
describe('the request hash of an idempotent request', () => {
  it('canonical JSON is the sorted-keys form, for any JSON value and with undefined members', () => {
    const withUndefined = fc.letrec((tie) => ({
      value: fc.oneof(
        { depthSize: 'small' },
        fc.jsonValue({ maxDepth: 2 }),
        fc.constant(undefined),
        fc.array(tie('value'), { maxLength: 4 }),
        fc.dictionary(fc.string(), tie('value'), { maxKeys: 5 }),
      ),
    })).value;
    fc.assert(fc.property(fc.jsonValue(), (value) => {
      expect(canonicalJson(value)).toBe(reference(value));
    }), { numRuns: 500 });
    fc.assert(fc.property(withUndefined, (value) => {
      expect(canonicalJson(value)).toBe(reference(value));
    }), { numRuns: 500 });
  });

  it('the hash of a debit body is the one stored keys hold (sha256 hex of its canonical JSON)', () => {
    const body = {
      reference: 'INV-1',
      amount: 12345,
      currency: 'CNY',
      mandate_id: 'mdt_1',
      payer: { holder_name: '张三', account_number: '6222020000000001' },
      metadata: { z: '1', a: '"2"', é: 'x' },
      description: undefined,
    };
    expect(canonicalJson(body)).toBe('{"amount":12345,"currency":"CNY","mandate_id":"mdt_1","metadata":{"a":"\\"2\\"","z":"1","é":"x"},"payer":{"account_number":"6222020000000001","holder_name":"张三"},"reference":"INV-1"}');
    expect(requestHashOf(body)).toBe('a29b9a0e4c5ada0523f6774e23b53bae002b67ef4319c62039b7d7d8c79ac120');
  });
});
