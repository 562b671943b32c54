/** One segment of a JSON pointer (RFC 6901): `~` and `/` inside it are escaped. */
export function escapePointerPart(part: string): string {
  return part.replaceAll('~', '~0').replaceAll('/', '~1');
}

/** A path (a zod issue's, say) as a JSON pointer (RFC 6901); the empty path is the whole document, `''`. */
export function jsonPointer(path: readonly PropertyKey[]): string {
  return path.map((segment) => `/${escapePointerPart(String(segment))}`).join('');
}
