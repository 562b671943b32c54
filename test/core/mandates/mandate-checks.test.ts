import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  REJECTION_CODES,
  checkDebitAgainstMandate,
  mandateStatus,
  type BusinessDate,
  type DebitAgainstMandate,
  type MandateStatus,
  type MandateTerms,
  type RejectionCode,
} from '../../../src/core/index.js';

const date = (text: string) => text as BusinessDate;

/** Active from 2017-01-01 to 2017-12-31, at most 100.00 yuan a debit and 300.00 a month. */
const TERMS: MandateTerms = {
  status: 'active',
  validFrom: date('2017-01-01'),
  validUntil: date('2017-12-31'),
  perDebitMaxFen: 10_000,
  monthlyMaxFen: 30_000,
};

const DEBIT: DebitAgainstMandate = {
  amountFen: 5_000,
  businessDate: date('2017-12-07'),
  payerDetailsMatch: true,
  monthlyUsedFen: 0,
};

type Row = [name: string, terms: Partial<MandateTerms>, debit: Partial<DebitAgainstMandate>, expected: RejectionCode | null];

const ROWS: Row[] = [
  ['within every term', {}, {}, null],
  ['no dates and no limits', { validFrom: null, validUntil: null, perDebitMaxFen: null, monthlyMaxFen: null }, { amountFen: 2 ** 52 }, null],
  ['revoked', { status: 'revoked' }, {}, 'mandate_revoked'],
  ['revoked and expired', { status: 'revoked', validUntil: date('2017-06-30') }, {}, 'mandate_revoked'],
  ['revoked, mismatched and over both limits', { status: 'revoked' }, { payerDetailsMatch: false, amountFen: 40_000 }, 'mandate_revoked'],
  ['expired the day before', { validUntil: date('2017-12-06') }, {}, 'mandate_expired'],
  ['on its last valid day', { validUntil: date('2017-12-07') }, {}, null],
  ['expired over new year', { validUntil: date('2017-12-31') }, { businessDate: date('2018-01-01') }, 'mandate_expired'],
  ['expired after a leap day', { validUntil: date('2016-02-29') }, { businessDate: date('2016-03-01') }, 'mandate_expired'],
  ['expired and not yet valid', { validFrom: date('2018-01-01'), validUntil: date('2017-12-06') }, {}, 'mandate_expired'],
  ['expired, mismatched and over both limits', { validUntil: date('2017-12-06') }, { payerDetailsMatch: false, amountFen: 40_000 }, 'mandate_expired'],
  ['valid from the next day', { validFrom: date('2017-12-08') }, {}, 'mandate_not_yet_valid'],
  ['on its first valid day', { validFrom: date('2017-12-07') }, {}, null],
  ['not yet valid and mismatched', { validFrom: date('2018-01-01') }, { payerDetailsMatch: false }, 'mandate_not_yet_valid'],
  ['not yet valid and over the limit', { validFrom: date('2018-01-01') }, { amountFen: 10_001 }, 'mandate_not_yet_valid'],
  ['payer details do not match', {}, { payerDetailsMatch: false }, 'payer_details_mismatch'],
  ['mismatched and over both limits', {}, { payerDetailsMatch: false, amountFen: 40_000 }, 'payer_details_mismatch'],
  ['exactly the per-debit limit', {}, { amountFen: 10_000 }, null],
  ['one fen over the per-debit limit', {}, { amountFen: 10_001 }, 'mandate_limit_exceeded'],
  ['over the per-debit and the monthly limit', {}, { amountFen: 10_001, monthlyUsedFen: 29_000 }, 'mandate_limit_exceeded'],
  ['no per-debit limit', { perDebitMaxFen: null }, { amountFen: 30_000 }, null],
  ['exactly the monthly limit', {}, { amountFen: 10_000, monthlyUsedFen: 20_000 }, null],
  ['one fen over the monthly limit', {}, { amountFen: 10_000, monthlyUsedFen: 20_001 }, 'mandate_monthly_limit_exceeded'],
  ['monthly limit already used up', {}, { amountFen: 1, monthlyUsedFen: 30_000 }, 'mandate_monthly_limit_exceeded'],
  ['one debit over the monthly limit alone', { perDebitMaxFen: null }, { amountFen: 30_001 }, 'mandate_monthly_limit_exceeded'],
  ['no monthly limit', { monthlyMaxFen: null }, { amountFen: 10_000, monthlyUsedFen: 10 ** 12 }, null],
];

describe('checkDebitAgainstMandate', () => {
  it.each(ROWS)('%s → %s', (_name, terms, debit, expected) => {
    expect(checkDebitAgainstMandate({ ...TERMS, ...terms }, { ...DEBIT, ...debit })).toBe(expected);
  });

  it('reports the first applicable reason in the order of REJECTION_CODES', () => {
    const day = fc.constantFrom(...['2017-11-30', '2017-12-01', '2017-12-07', '2017-12-31', '2018-01-01'].map(date));
    const terms = fc.record({
      status: fc.constantFrom('active' as const, 'revoked' as const),
      validFrom: fc.option(day),
      validUntil: fc.option(day),
      perDebitMaxFen: fc.option(fc.integer({ min: 0, max: 20_000 })),
      monthlyMaxFen: fc.option(fc.integer({ min: 0, max: 40_000 })),
    });
    const debit = fc.record({
      amountFen: fc.integer({ min: 1, max: 20_000 }),
      businessDate: day,
      payerDetailsMatch: fc.boolean(),
      monthlyUsedFen: fc.integer({ min: 0, max: 40_000 }),
    });
    fc.assert(
      fc.property(terms, debit, (t, d) => {
        const applies: Partial<Record<RejectionCode, boolean>> = {
          mandate_revoked: t.status === 'revoked',
          mandate_expired: t.validUntil !== null && t.validUntil < d.businessDate,
          mandate_not_yet_valid: t.validFrom !== null && d.businessDate < t.validFrom,
          payer_details_mismatch: !d.payerDetailsMatch,
          mandate_limit_exceeded: t.perDebitMaxFen !== null && d.amountFen > t.perDebitMaxFen,
          mandate_monthly_limit_exceeded: t.monthlyMaxFen !== null && d.monthlyUsedFen + d.amountFen > t.monthlyMaxFen,
        };
        const expected = REJECTION_CODES.find((code) => applies[code] === true) ?? null;
        expect(checkDebitAgainstMandate(t, d)).toBe(expected);
      }),
    );
  });
});

describe('mandateStatus', () => {
  it.each([
    // stored status, valid until, today, derived status
    ['active', null, '2017-12-07', 'active'],
    ['active', '2017-12-07', '2017-12-07', 'active'],
    ['active', '2017-12-06', '2017-12-07', 'expired'],
    ['active', '2017-12-31', '2018-01-01', 'expired'],
    ['revoked', null, '2017-12-07', 'revoked'],
    ['revoked', '2017-12-06', '2017-12-07', 'revoked'],
  ] as const)('%s until %s on %s → %s', (status, validUntil, today, expected: MandateStatus) => {
    expect(mandateStatus({ status, validUntil: validUntil === null ? null : date(validUntil) }, date(today))).toBe(expected);
  });
});
