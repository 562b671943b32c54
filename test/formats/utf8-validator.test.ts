import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Utf8Validator } from '../../src/formats/utf8-validator.js';

function validate(bytes: Buffer, cuts: number[]): number {
  const validator = new Utf8Validator();
  let from = 0;
  for (const cut of [...cuts.filter((c) => c < bytes.length).sort((a, b) => a - b), bytes.length]) {
    const bad = validator.check(bytes.subarray(from, cut));
    if (bad >= 0) return bad;
    from = cut;
  }
  return validator.end();
}

describe('Utf8Validator', () => {
  it.each([
    ['ascii', Buffer.from('abc'), -1],
    ['Chinese', Buffer.from('张三，李四'), -1],
    ['a bad byte', Buffer.from([0x61, 0xff, 0x62]), 1],
    ['a surrogate', Buffer.from([0x61, 0xed, 0xa0, 0x80]), 1],
    ['an overlong slash', Buffer.from([0xc0, 0xaf]), 0],
    ['a character cut at the end', Buffer.from([0x61, 0xe5, 0xbc]), 1],
  ])('%s', (_name, bytes, offset) => {
    for (let cut = 0; cut <= bytes.length; cut += 1) expect(validate(bytes, [cut])).toBe(offset);
  });

  it('takes valid text whatever the chunking, and finds a bad byte put in it', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 200 }), fc.array(fc.nat(800), { maxLength: 6 }), fc.option(fc.nat(800)), (text, cuts, badAt) => {
        const good = Buffer.from(text, 'utf8');
        if (badAt === null) {
          expect(validate(good, cuts)).toBe(-1);
          return;
        }
        const at = Math.min(badAt, good.length);
        // Insert 0xff at a character boundary.
        let boundary = at;
        while (boundary > 0 && boundary < good.length && (good[boundary]! & 0xc0) === 0x80) boundary -= 1;
        const bad = Buffer.concat([good.subarray(0, boundary), Buffer.from([0xff]), good.subarray(boundary)]);
        expect(validate(bad, cuts)).toBe(boundary);
      }),
      { seed: 3, numRuns: 300 },
    );
  });
});
