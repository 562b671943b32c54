import { maskMiddle } from './mask-middle.js';

/** The display form of a mobile number, `138****5678`, as Chinese apps and SMS notices show it. */
export function maskPhone(phone: string): string {
  return maskMiddle(phone, 3, 4);
}
