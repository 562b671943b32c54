import { describe, expect, it } from 'vitest';
import { escapeXmlText, replaceNonXmlChars, truncateChars } from '../../../src/formats/iso20022/index.js';

describe('escapeXmlText', () => {
  it.each([
    // text, then what is written
    ['张三', '张三'],
    ['A & B', 'A &amp; B'],
    ['<Nm>', '&lt;Nm&gt;'],
    [']]>', ']]&gt;'],
    ['&amp;', '&amp;amp;'],
    ['"quoted" \'too\'', '"quoted" \'too\''],
    ['a\r\nb', 'a&#13;\nb'],
    ['tab\tand\nline', 'tab\tand\nline'],
    ['nul\u0000bell\u0007', 'nul\uFFFDbell\uFFFD'],
    ['\uFFFE\uFFFF', '\uFFFD\uFFFD'],
    ['lone \uD800 and \uDC00', 'lone \uFFFD and \uFFFD'],
    ['pair 😀', 'pair 😀'],
    ['C1 \u0085 stays', 'C1 \u0085 stays'],
  ])('%j → %j', (text, expected) => {
    expect(escapeXmlText(text)).toBe(expected);
  });
});

describe('replaceNonXmlChars', () => {
  it('keeps a string XML can carry as it is', () => {
    const text = 'Zhao Liu 赵六 😀 \t\n\r &<>';
    expect(replaceNonXmlChars(text)).toBe(text);
  });
});

describe('truncateChars', () => {
  it.each([
    // text, limit, then what is kept
    ['abc', 5, 'abc'],
    ['abcdef', 3, 'abc'],
    ['余额不足', 2, '余额'],
    ['😀😀😀', 2, '😀😀'],
    ['ab😀', 3, 'ab😀'],
    ['ab😀c', 3, 'ab😀'],
    ['', 0, ''],
    ['a', 0, ''],
  ])('%j cut to %i → %j', (text, limit, expected) => {
    expect(truncateChars(text, limit)).toBe(expected);
  });
});
