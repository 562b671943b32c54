/** A page of a list, newest first (SPEC §12). */
export interface Page<T> {
  data: T[];
  hasMore: boolean;
}

export interface PageRequest {
  limit: number;
  startingAfter?: string | undefined;
}
