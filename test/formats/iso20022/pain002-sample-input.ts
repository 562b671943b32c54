import type { Pain002Input } from '../../../src/formats/iso20022/index.js';

/** The fixed input behind test/golden/iso20022/pain002-sample.xml: the report on pain008-sample.xml, plus two rows a CSV batch can have. */
export const PAIN002_SAMPLE_INPUT: Pain002Input = {
  messageId: 'RPT-20240306-0001',
  createdAt: '2024-03-06T18:00:00+08:00',
  originalMessageId: 'WYGL-20240301-0001',
  originalMessageType: 'pain.008.001.02',
  lines: [
    { row: 1, reference: 'WY202403-0001', status: 'succeeded', code: null, message: null },
    { row: 2, reference: 'WY202403-0002', status: 'failed', code: 'insufficient_funds', message: '余额不足' },
    { row: 3, reference: 'WY202403-0003', status: 'rejected', code: 'mandate_not_found', message: 'No active mandate "mdt_01HQ4Z8K3V7N2B5C6D7E8F9G0H" for this merchant & <payer>.' },
    { row: 4, reference: 'WY202403-0004', status: 'submitted', code: null, message: null },
    {
      row: 5,
      reference: 'WY202403-0005',
      status: 'rejected',
      code: 'unsupported_currency',
      message: 'currency: 只收人民币（CNY），本行为美元（USD）。Only CNY is taken: this row asks for USD, which no channel of this merchant can collect.',
    },
    { row: 6, reference: null, status: 'rejected', code: 'required', message: 'reference: reference is empty.' },
    { row: 7, reference: 'WY202403-0007', status: 'pending', code: null, message: null },
  ],
};
