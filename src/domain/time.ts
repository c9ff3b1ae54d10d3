/**
 * Instants travel as ISO 8601 strings with an explicit offset, so that a command's `now` means one
 * moment whatever the server's time zone. The domain never reads the clock; it only compares and adds.
 */
const ISO_INSTANT = /^(\d{4})-(\d{2})-(\d{2})T([01]\d|2[0-3]):([0-5]\d):([0-5]\d)(\.\d{1,9})?(Z|[+-](?:[01]\d|2[0-3]):[0-5]\d)$/;

// Date.parse silently rolls 2025-02-30 over into March; a calendar check refuses it.
function isCalendarDate(year: number, month: number, day: number): boolean {
  const d = new Date(Date.UTC(year, month - 1, day));
  return d.getUTCFullYear() === year && d.getUTCMonth() === month - 1 && d.getUTCDate() === day;
}

export function isIsoInstant(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  const m = ISO_INSTANT.exec(value);
  if (m === null) return false;
  if (!isCalendarDate(Number(m[1]), Number(m[2]), Number(m[3]))) return false;
  return Number.isFinite(Date.parse(value));
}

// The largest instant a JavaScript Date can represent (ECMA-262 time value range).
const MAX_TIME_MS = 8.64e15;

/** `undefined` when the result falls outside what a Date can represent. */
export function addSeconds(iso: string, seconds: number): string | undefined {
  const ms = Date.parse(iso) + seconds * 1000;
  if (!Number.isFinite(ms) || Math.abs(ms) > MAX_TIME_MS) return undefined;
  return new Date(ms).toISOString();
}

/** Compares instants, not strings: `…T10:00:00Z` and `…T11:00:00+01:00` are the same moment. */
export function isAtOrAfter(a: string, b: string): boolean {
  return Date.parse(a) >= Date.parse(b);
}

export function sameInstant(a: string, b: string): boolean {
  return Date.parse(a) === Date.parse(b);
}
