import fc from 'fast-check';
import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { Gb18030Validator } from '../../src/formats/gb18030-validator.js';

const bytes = (...values: number[]) => Buffer.from(values);

/** Checks `input` in the chunks given by `cuts`; returns the first bad offset, the end's answer, or -1. */
function validate(mode: 'gbk' | 'gb18030', input: Buffer, cuts: number[] = []): number {
  const validator = new Gb18030Validator(mode);
  let start = 0;
  for (const cut of [...cuts.filter((c) => c > 0 && c < input.length).sort((a, b) => a - b), input.length]) {
    const bad = validator.check(input.subarray(start, cut));
    if (bad >= 0) return bad;
    start = cut;
  }
  return validator.end();
}

describe('Gb18030Validator', () => {
  it.each([
    ['ASCII', 'gbk', bytes(0x61, 0x2c, 0x0a), -1],
    ['张三 in GBK', 'gbk', iconv.encode('张三', 'gbk'), -1],
    ['€ as CP936 writes it (0x80)', 'gbk', bytes(0x41, 0x80), -1],
    ['0x80 in strict GB18030', 'gb18030', bytes(0x41, 0x80), 1],
    ['a lead byte then a space', 'gbk', bytes(0x41, 0x81, 0x20), 1],
    ['a lead byte then 0x7F', 'gbk', bytes(0xb0, 0x7f), 0],
    ['a lone 0xFF', 'gbk', bytes(0x41, 0x42, 0xff), 2],
    ['a lead byte at the end', 'gbk', bytes(0x41, 0xd6), 1],
    ['a four-byte sequence in GBK', 'gbk', iconv.encode('\u00e5', 'gb18030'), 0],
    ['a four-byte sequence in GB18030 (U+00E5)', 'gb18030', iconv.encode('\u00e5', 'gb18030'), -1],
    ['a supplementary character in GB18030 (U+20000)', 'gb18030', iconv.encode('\u{20000}', 'gb18030'), -1],
    ['U+FFFD itself, encoded', 'gb18030', bytes(0x84, 0x31, 0xa4, 0x37), -1],
    ['a four-byte sequence past U+FFFF in the BMP range (84 31 A5 30)', 'gb18030', bytes(0x41, 0x84, 0x31, 0xa5, 0x30), 1],
    ['a four-byte sequence with a first byte 0x85–0x8F', 'gb18030', bytes(0x85, 0x30, 0x81, 0x30), 0],
    ['a four-byte sequence past U+10FFFF', 'gb18030', bytes(0xe3, 0x32, 0x9a, 0x36), 0],
    ['the last code point, U+10FFFF', 'gb18030', bytes(0xe3, 0x32, 0x9a, 0x35), -1],
    ['a four-byte sequence cut short', 'gb18030', bytes(0x41, 0x81, 0x30, 0x81), 1],
    ['a four-byte sequence with a bad third byte', 'gb18030', bytes(0x81, 0x30, 0x20, 0x30), 0],
  ] as const)('%s → %i', (_name, mode, input, expected) => {
    expect(validate(mode, input)).toBe(expected);
  });

  it('any text encoded in GB18030 is valid, however it is cut into chunks, and matches what iconv-lite decodes', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 40 }), fc.array(fc.nat({ max: 200 }), { maxLength: 6 }), (text, cuts) => {
        const encoded = iconv.encode(text.replace(/\uFFFD/g, ''), 'gb18030');
        expect(validate('gb18030', encoded, cuts)).toBe(-1);
      }),
    );
  });

  it('a bad byte is found at the same offset however the input is cut', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 20 }), fc.array(fc.nat({ max: 100 }), { maxLength: 4 }), (text, cuts) => {
        const good = iconv.encode(text.replace(/\uFFFD/g, ''), 'gb18030');
        const input = Buffer.concat([good, bytes(0xff, 0x41)]);
        expect(validate('gb18030', input, cuts)).toBe(good.length);
      }),
    );
  });
});
