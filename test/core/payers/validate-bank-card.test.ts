import { describe, expect, it } from 'vitest';
import { validateBankCard } from '../../../src/core/payers/index.js';
import { syntheticCardNumber } from './synthetic-numbers.js';

const icbc19 = syntheticCardNumber('622202', 19, '7');
const grouped = '4111 1111 1111 1111';

describe('validateBankCard', () => {
  const cases: [string, string, boolean, string][] = [
    // label, input, ok, normalized value or reason code
    ['published Visa test number (16)', '4111111111111111', true, '4111111111111111'],
    ['published Amex test number (15)', '378282246310005', true, '378282246310005'],
    ['synthetic ICBC card (19)', icbc19, true, icbc19],
    ['grouped in fours', grouped, true, '4111111111111111'],
    ['surrounded by blanks', ' 4111111111111111\t', true, '4111111111111111'],
    ['one digit off', '4111111111111112', false, 'invalid_check_digit'],
    ['14 digits', syntheticCardNumber('4111', 14), false, 'too_short'],
    ['20 digits', syntheticCardNumber('6222', 20), false, 'too_long'],
    ['hyphens', '4111-1111-1111-1111', false, 'invalid_format'],
    ['double space', '4111  1111 1111 1111', false, 'invalid_format'],
    ['letter O for zero', '4111111111111O11', false, 'invalid_format'],
    ['full-width digits', '４１１１１１１１１１１１１１１１', false, 'invalid_format'],
    ['empty', '', false, 'empty'],
    ['blank', '   ', false, 'empty'],
    ['huge', '4'.repeat(10_000), false, 'too_long'],
  ];

  it.each(cases)('%s', (_label, input, ok, expected) => {
    const result = validateBankCard(input);
    expect(result.ok).toBe(ok);
    expect(result.ok ? result.value : result.code).toBe(expected);
  });

  it('says where a non-digit is without quoting it', () => {
    const result = validateBankCard('41111111x1111111');
    expect(result).toMatchObject({ ok: false, code: 'invalid_format' });
    expect(!result.ok && result.detail).toContain('character 9');
  });
});
