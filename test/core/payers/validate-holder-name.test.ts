import { describe, expect, it } from 'vitest';
import { validateHolderName } from '../../../src/core/payers/index.js';

/** U+20000, the first CJK Extension B character: one code point, two UTF-16 units. */
const rare = '\u{20000}';

describe('validateHolderName', () => {
  const cases: [string, string, boolean, string][] = [
    // label, input, ok, trimmed value or reason code
    ['Chinese name', '张三', true, '张三'],
    ['trimmed', '  张三 ', true, '张三'],
    ['ideographic spaces trimmed', '\u3000张三\u3000', true, '张三'],
    ['Latin name with inner space', 'Zhang San', true, 'Zhang San'],
    ['middle dot in a transliterated name', '买买提·艾力', true, '买买提·艾力'],
    ['company name with brackets', '深圳市某某科技有限公司（测试）', true, '深圳市某某科技有限公司（测试）'],
    ['character outside the BMP', `张${rare}`, true, `张${rare}`],
    ['64 characters', 'a'.repeat(64), true, 'a'.repeat(64)],
    ['64 astral characters count as 64', rare.repeat(64), true, rare.repeat(64)],
    ['65 characters', 'a'.repeat(65), false, 'too_long'],
    ['65 after trimming', ` ${'a'.repeat(65)} `, false, 'too_long'],
    ['empty', '', false, 'empty'],
    ['blank', ' \t ', false, 'empty'],
    ['newline inside', '张\n三', false, 'control_character'],
    ['tab inside', '张\t三', false, 'control_character'],
    ['NUL', '张\u0000三', false, 'control_character'],
    ['DEL', '张\u007f三', false, 'control_character'],
    ['C1 control', '张\u0085三', false, 'control_character'],
    ['line separator', '张\u2028三', false, 'control_character'],
    ['right-to-left override', '张\u202e三', false, 'control_character'],
    ['lone surrogate', '张\ud800三', false, 'invalid_format'],
    ['huge', 'a'.repeat(10_000), false, 'too_long'],
  ];

  it.each(cases)('%s', (_label, input, ok, expected) => {
    const result = validateHolderName(input);
    expect(result.ok).toBe(ok);
    expect(result.ok ? result.value : result.code).toBe(expected);
  });
});
