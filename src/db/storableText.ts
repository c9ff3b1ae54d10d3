/**
 * Text PostgreSQL can store: no NUL character (text and jsonb refuse it) and no lone UTF-16
 * surrogate (JSON.stringify writes one as a `\ud800` escape, which jsonb refuses). Input that breaks
 * this rule must be refused at the edge as a client's error, never reach a statement and come back
 * as a 500.
 */
export function isStorableText(value: string): boolean {
  return !value.includes('\u0000') && !LONE_SURROGATE.test(value);
}

/** With the `u` flag a surrogate pair is one code point, so only a lone surrogate is in category Cs. */
const LONE_SURROGATE = /\p{Cs}/u;

/**
 * How deep a JSON value the ledger stores may nest. Provider events nest fewer than ten levels;
 * PostgreSQL's jsonb input and the hash chain's canonical form recurse per level, so a value nested
 * thousands deep would exhaust a stack there (a 500) instead of being refused here.
 */
export const MAX_JSON_DEPTH = 64;

/**
 * A JSON value PostgreSQL can store: every string, keys included, is storable text, and it nests
 * at most MAX_JSON_DEPTH levels. Walked with a stack of its own, not by recursion, so a value
 * nested however deep is a refusal, never a RangeError.
 */
export function isStorableJson(value: unknown): boolean {
  const pending: { item: unknown; depth: number }[] = [{ item: value, depth: 0 }];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const { item, depth } = next;
    if (typeof item === 'string') {
      if (!isStorableText(item)) return false;
    } else if (typeof item === 'object' && item !== null) {
      if (depth >= MAX_JSON_DEPTH) return false;
      const members = Array.isArray(item) ? (item as unknown[]).map((member) => ['', member] as const) : Object.entries(item);
      for (const [key, member] of members) {
        if (!isStorableText(key)) return false;
        pending.push({ item: member, depth: depth + 1 });
      }
    }
  }
  return true;
}
