/**
 * Independent implementations of the two check-digit schemes, written differently from the ones
 * under test (brute force over candidate digits; weights computed instead of tabulated), so that
 * a shared mistake cannot make the tests agree with the code.
 */

function digitSum(value: number): number {
  return [...String(value)].reduce((sum, digit) => sum + Number(digit), 0);
}

export function passesLuhn(number: string): boolean {
  const total = [...number]
    .reverse()
    .map(Number)
    .reduce((sum, digit, index) => sum + (index % 2 === 1 ? digitSum(digit * 2) : digit), 0);
  return total % 10 === 0;
}

export function luhnDigitByBruteForce(payload: string): string {
  for (let digit = 0; digit <= 9; digit += 1) {
    if (passesLuhn(`${payload}${digit}`)) return String(digit);
  }
  throw new Error('unreachable: one of ten digits always completes a Luhn number');
}

/** `prefix` padded with `fill` to `length - 1` digits, then the Luhn digit. */
export function syntheticCardNumber(prefix: string, length: number, fill = '0'): string {
  const payload = (prefix + fill.repeat(length)).slice(0, length - 1);
  return payload + luhnDigitByBruteForce(payload);
}

/** ISO 7064 MOD 11-2 as the standard states it: sum of a_i * 2^(i-1) mod 11 over all 18 positions is 1. */
export function idCheckCharacterByDefinition(first17: string): string {
  let sum = 0;
  for (let position = 18; position >= 2; position -= 1) {
    const digit = Number(first17[18 - position]);
    sum += digit * (2 ** (position - 1) % 11);
  }
  const check = (12 - (sum % 11)) % 11;
  return check === 10 ? 'X' : String(check);
}

/** A resident ID number with a correct check character: region (6), birth date (YYYYMMDD), sequence (3). */
export function syntheticIdNumber(region: string, birth: string, sequence: string): string {
  const first17 = `${region}${birth}${sequence}`;
  if (!/^\d{17}$/.test(first17)) throw new Error(`bad synthetic ID parts: ${region}/${birth}/${sequence}`);
  return first17 + idCheckCharacterByDefinition(first17);
}

/** The same number with its check character replaced by another valid-looking one. */
export function withWrongCheckCharacter(id: string): string {
  const wrong = id.endsWith('0') ? '1' : '0';
  return id.slice(0, 17) + wrong;
}
