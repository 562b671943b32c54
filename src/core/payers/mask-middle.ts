/**
 * Replaces all but the first `keepStart` and last `keepEnd` characters with `*`, keeping the
 * length so that a person can still tell a 16-digit card from a 19-digit one. When fewer than
 * two characters would be hidden, everything is hidden: a mask that hides one character
 * is the number with one digit to guess.
 */
export function maskMiddle(value: string, keepStart: number, keepEnd: number): string {
  const characters = [...value];
  const hidden = characters.length - keepStart - keepEnd;
  if (hidden < 2) return '*'.repeat(characters.length);
  return characters.slice(0, keepStart).join('') + '*'.repeat(hidden) + characters.slice(characters.length - keepEnd).join('');
}
