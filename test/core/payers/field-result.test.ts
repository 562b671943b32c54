import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  FIELD_REASONS,
  resolvePayerBank,
  validateAccountNumber,
  validateBankCard,
  validateIdNumber,
  validatePhone,
  validateRegionCode,
  type FieldResult,
} from '../../../src/core/payers/index.js';
import { syntheticCardNumber, syntheticIdNumber } from './synthetic-numbers.js';

const today = '2024-06-15';

const validators: [string, (text: string) => FieldResult<unknown>][] = [
  ['validateBankCard', validateBankCard],
  ['validateAccountNumber bank_card', (text) => validateAccountNumber(text, 'bank_card')],
  ['validateAccountNumber virtual_account', (text) => validateAccountNumber(text, 'virtual_account')],
  ['validateAccountNumber bank_account', (text) => validateAccountNumber(text, 'bank_account')],
  ['validateIdNumber', (text) => validateIdNumber(text, today)],
  ['validatePhone', validatePhone],
  ['validateRegionCode', validateRegionCode],
  ['resolvePayerBank', (text) => resolvePayerBank({ accountNumber: text, medium: 'bank_card', bankCode: 'CITIC' })],
];

/** Number-like inputs: what a client sends when it sends a personal number, right or wrong. */
const numberLike = fc.oneof(
  fc.stringMatching(/^\d{6,40}$/),
  fc.stringMatching(/^\d{17}[\dXx]$/),
  fc.stringMatching(/^\d{3,20}[ a-zA-Z.\-+]\d{3,20}$/),
  fc.stringMatching(/^ ?\d{4}( \d{4}){3,4} ?$/),
  fc.tuple(fc.stringMatching(/^(622202|621700|622848|621661)$/), fc.integer({ min: 15, max: 19 })).map(([bin, length]) =>
    syntheticCardNumber(bin, length, '5'),
  ),
  fc.tuple(fc.stringMatching(/^\d{6}$/), fc.stringMatching(/^(19|20)\d{2}[01]\d[0-3]\d$/), fc.stringMatching(/^\d{3}$/)).map(
    ([region, birth, sequence]) => syntheticIdNumber(region, birth, sequence),
  ),
);

describe('failure details', () => {
  it.each(validators)('%s never quotes the number it refuses', (_name, validate) => {
    fc.assert(
      fc.property(numberLike, (input) => {
        const result = validate(input);
        if (result.ok) return;
        expect(FIELD_REASONS).toContain(result.code);
        expect(result.detail).not.toContain(input.trim());
        expect(result.detail).not.toContain(input.replace(/\D/g, ''));
        // No run of 5 digits at all: not the number, and not a part of it (BIN, birth date).
        expect(result.detail).not.toMatch(/\d{5}/);
      }),
      { numRuns: 300 },
    );
  });

  it('are sentences', () => {
    fc.assert(
      fc.property(numberLike, (input) => {
        for (const [, validate] of validators) {
          const result = validate(input);
          if (!result.ok) expect(result.detail).toMatch(/^[A-Z0-9].*\.$/);
        }
      }),
    );
  });
});
