/**
 * The two-digit province-level prefixes of GB/T 2260 region codes, and so of resident ID numbers:
 * the 31 mainland provinces, autonomous regions and municipalities, plus 71 Taiwan, 81 Hong Kong
 * and 82 Macao (used by residence permits that share the 18-character format).
 */
export const PROVINCE_CODES: ReadonlySet<string> = new Set([
  '11', '12', '13', '14', '15',
  '21', '22', '23',
  '31', '32', '33', '34', '35', '36', '37',
  '41', '42', '43', '44', '45', '46',
  '50', '51', '52', '53', '54',
  '61', '62', '63', '64', '65',
  '71', '81', '82',
]);

export function isProvinceCode(code: string): boolean {
  return PROVINCE_CODES.has(code);
}
