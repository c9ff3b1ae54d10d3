import type { IdentifierSqlToken } from 'slonik';
import { sql } from '../../src/db/sql.js';

/**
 * Where a backoffice page stops: the last row's creation time (to the microsecond, as text) and id.
 * Both never change once a row exists, so the next page continues exactly after it whatever else
 * changed meanwhile: no row is shown twice and no row that sorts later is skipped.
 */
export type Keyset = { readonly at: string; readonly id: string };

/** A page of a list, newest first; `next` is null on the last page. */
export type Page<T> = { readonly items: readonly T[]; readonly next: Keyset | null };

/** Half-open instant range [from, to); either end may be open. */
export type InstantRange = { readonly from?: string; readonly to?: string };

/** `created_at` as exact text (microseconds, UTC), so a keyset never loses precision through a JS Date. */
export const keysetAt = (column: IdentifierSqlToken) =>
  sql.fragment`to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

/** Conditions of `range` on `column`, for `sql.join(..., AND)`. */
export function rangeConditions(column: IdentifierSqlToken, range: InstantRange | undefined) {
  if (!range) return [];
  return [
    ...(range.from === undefined ? [] : [sql.fragment`${column} >= ${range.from}::timestamptz`]),
    ...(range.to === undefined ? [] : [sql.fragment`${column} < ${range.to}::timestamptz`]),
  ];
}

/** Splits the `limit + 1` rows a page query read into the page and the keyset of its last row. */
export function toPage<R extends { readonly keyset_at: string }, T>(
  rows: readonly R[],
  limit: number,
  idOf: (row: R) => string,
  toItem: (row: R) => T,
): Page<T> {
  const shown = rows.slice(0, limit);
  const last = shown[shown.length - 1];
  return {
    items: shown.map(toItem),
    next: rows.length > limit && last ? { at: last.keyset_at, id: idOf(last) } : null,
  };
}
