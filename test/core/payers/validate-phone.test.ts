import { describe, expect, it } from 'vitest';
import { validatePhone } from '../../../src/core/payers/index.js';

describe('validatePhone', () => {
  const cases: [string, boolean, string][] = [
    // input, ok, normalized value or reason code
    ['13812345678', true, '13812345678'],
    ['19912345678', true, '19912345678'],
    ['16612345678', true, '16612345678'],
    [' 13812345678 ', true, '13812345678'],
    ['12812345678', false, 'invalid_prefix'],
    ['10012345678', false, 'invalid_prefix'],
    ['23812345678', false, 'invalid_prefix'],
    ['1381234567', false, 'too_short'],
    ['138123456789', false, 'too_long'],
    ['8613812345678', false, 'too_long'],
    ['+8613812345678', false, 'invalid_format'],
    ['138 1234 5678', false, 'invalid_format'],
    ['138-1234-5678', false, 'invalid_format'],
    ['', false, 'empty'],
  ];

  it.each(cases)('%j', (input, ok, expected) => {
    const result = validatePhone(input);
    expect(result.ok).toBe(ok);
    expect(result.ok ? result.value : result.code).toBe(expected);
  });
});
