/**
 * Luhn (ISO/IEC 7812-1 annex B) check digits, as printed on every UnionPay card.
 * Both functions expect ASCII digits only; callers check the format first.
 */

/** The digit to append to `payload` so that the whole number passes the Luhn check. */
export function luhnCheckDigit(payload: string): number {
  // Once the check digit is appended, the payload's last digit becomes second from the right,
  // which is why doubling starts on it.
  return (10 - (luhnSum(payload, true) % 10)) % 10;
}

/** True when the last digit of `digits` is the Luhn check digit of the rest. */
export function hasValidLuhn(digits: string): boolean {
  return digits.length >= 2 && luhnSum(digits, false) % 10 === 0;
}

function luhnSum(digits: string, doubleRightmost: boolean): number {
  let sum = 0;
  let double = doubleRightmost;
  for (let index = digits.length - 1; index >= 0; index -= 1) {
    let digit = digits.charCodeAt(index) - 48;
    if (double) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
    double = !double;
  }
  return sum;
}
