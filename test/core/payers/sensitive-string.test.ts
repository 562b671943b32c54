import { format, inspect } from 'node:util';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  maskAccountNumber,
  maskIdNumber,
  maskPhone,
  SensitiveString,
  sensitiveAccount,
  sensitiveId,
  sensitivePhone,
} from '../../../src/core/payers/index.js';

/** Every accidental way a value turns into text that we could think of. */
function renderings(value: SensitiveString): string[] {
  const nested = { payer: { account: value, list: [value] } };
  return [
    String(value),
    `${value}`,
    value + '',
    value.toString(),
    JSON.stringify(value),
    JSON.stringify(nested),
    JSON.stringify({ ...value }),
    JSON.stringify(Object.entries(value)),
    JSON.stringify(structuredClone(value)),
    inspect(value),
    inspect(nested, { depth: null, showHidden: true }),
    inspect(value, { customInspect: false, showHidden: true }),
    inspect(nested, { customInspect: false, depth: null, showHidden: true }),
    format('%s %o %O %j', value, value, value, value),
    [value].join(','),
  ];
}

const cases = [
  ['account', sensitiveAccount, maskAccountNumber, fc.stringMatching(/^\d{6,32}$/)],
  ['ID', sensitiveId, maskIdNumber, fc.stringMatching(/^\d{17}[\dX]$/)],
  ['phone', sensitivePhone, maskPhone, fc.stringMatching(/^1[3-9]\d{9}$/)],
] as const;

describe('SensitiveString', () => {
  it.each(cases)('never renders a full %s number', (_kind, make, mask, plaintexts) => {
    fc.assert(
      fc.property(plaintexts, (plaintext) => {
        const value = make(plaintext);
        expect(value.masked).toBe(mask(plaintext));
        for (const text of renderings(value)) expect(text).not.toContain(plaintext);
      }),
    );
  });

  it('renders the masked form', () => {
    const value = sensitivePhone('13812345678');
    expect(String(value)).toBe('138****5678');
    expect(JSON.stringify({ phone: value })).toBe('{"phone":"138****5678"}');
    expect(inspect(value)).toBe('138****5678');
  });

  it('gives the plaintext to reveal() only', () => {
    expect(sensitiveId('11010519491231002X').reveal()).toBe('11010519491231002X');
  });

  it('cannot be changed after construction', () => {
    const value = sensitiveAccount('6222020200112233445');
    expect(() => Object.assign(value, { masked: '6222020200112233445' })).toThrow(TypeError);
  });
});
