import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { escapePointerPart, jsonPointer } from '../../../src/core/index.js';

/** RFC 6901's reading of a pointer: split at `/`, then `~1` → `/` before `~0` → `~`. */
function segmentsOf(pointer: string): string[] {
  if (pointer === '') return [];
  expect(pointer.startsWith('/')).toBe(true);
  return pointer.slice(1).split('/').map((segment) => segment.replaceAll('~1', '/').replaceAll('~0', '~'));
}

describe('JSON pointers (RFC 6901)', () => {
  it('reads back as the path it was written from, whatever its segments hold', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.string(), fc.nat(), fc.constantFrom('~', '/', '~1', '~0', '/~', ''))), (path) => {
        expect(segmentsOf(jsonPointer(path))).toEqual(path.map(String));
      }),
    );
  });

  it('escapes ~ before / so that a segment "~1" is not read as "/"', () => {
    expect(escapePointerPart('~1')).toBe('~01');
    expect(escapePointerPart('a/b')).toBe('a~1b');
    expect(jsonPointer(['items', 0, 'account/number'])).toBe('/items/0/account~1number');
    expect(jsonPointer([])).toBe('');
  });
});
