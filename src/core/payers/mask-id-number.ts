import { maskMiddle } from './mask-middle.js';

/**
 * The display form of a resident ID number: first and last character only. Everything between
 * is personal (region of registration, birth date, sex in the sequence), and nobody needs it to
 * recognise their own number.
 */
export function maskIdNumber(idNumber: string): string {
  return maskMiddle(idNumber, 1, 1);
}
