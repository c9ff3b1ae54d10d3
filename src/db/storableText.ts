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

/** Every string of a JSON value, keys included, is storable text. */
export function isStorableJson(value: unknown): boolean {
  if (typeof value === 'string') return isStorableText(value);
  if (Array.isArray(value)) return value.every(isStorableJson);
  if (typeof value === 'object' && value !== null) {
    return Object.entries(value).every(([key, item]) => isStorableText(key) && isStorableJson(item));
  }
  return true;
}
