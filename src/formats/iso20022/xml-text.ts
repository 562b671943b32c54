/**
 * Characters XML 1.0 cannot carry at all, not even as a character reference (XML 1.0 §2.2 `Char`):
 * C0 controls other than tab, LF and CR, U+FFFE, U+FFFF, and surrogates that are not part of a
 * pair (with the `u` flag a well-formed pair is one code point, so `\p{Cs}` only meets lone halves).
 */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const NON_XML_CHARS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|\p{Cs}/gu;

/** What stands in for a character XML cannot carry. */
export const XML_REPLACEMENT_CHAR = '\uFFFD';

/** Replaces what XML 1.0 cannot carry with U+FFFD, so that any string can be written. */
export function replaceNonXmlChars(text: string): string {
  return text.replace(NON_XML_CHARS, XML_REPLACEMENT_CHAR);
}

const ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  // `>` only needs escaping after `]]`, but escaping it always is simpler than tracking that.
  '>': '&gt;',
  // A literal CR would come back as LF: parsers normalise line ends (XML 1.0 §2.11).
  '\r': '&#13;',
};

/**
 * Escapes text for element content, so that a parser reads back exactly `replaceNonXmlChars(text)`.
 * Not for attribute values: those would also need quotes, tabs and LFs escaped.
 */
export function escapeXmlText(text: string): string {
  return replaceNonXmlChars(text).replace(/[&<>\r]/g, (char) => ESCAPES[char]!);
}

/**
 * Cuts text to at most `charsMax` characters as XML Schema counts them (code points, not UTF-16
 * units), so that a cut never splits a surrogate pair.
 */
export function truncateChars(text: string, charsMax: number): string {
  // Fast path: a string no longer in UTF-16 units than the limit is within it in code points.
  if (text.length <= charsMax) return text;
  let units = 0;
  let chars = 0;
  for (const char of text) {
    if (chars === charsMax) return text.slice(0, units);
    units += char.length;
    chars += 1;
  }
  return text;
}
