/**
 * When reconciliation asks a provider about an open payment again. Each payment keeps its own
 * schedule, so however many payments never change (abandoned checkouts) every other one is still
 * reached: a run asks the least recently asked due payments first, and an asked payment waits its
 * backoff before it is due again.
 */

/** The first answer is asked for this long after the last one: webhooks normally arrive within seconds. */
export const FIRST_RECHECK_AFTER_SECONDS = 300;
/** The backoff doubles with each check up to this: a payment still open is asked about at least this often. */
export const LONGEST_RECHECK_AFTER_SECONDS = 4 * 3600;
/**
 * Open this long, a payment is abandoned: far beyond any hold and its payment grace. Closing it at the
 * provider belongs to the grace-period expiry; here it is only asked about rarely.
 */
export const ABANDONED_AFTER_SECONDS = 7 * 24 * 3600;
/** How often an abandoned payment is still asked about (a late success or refund must still be seen). */
export const ABANDONED_RECHECK_AFTER_SECONDS = 24 * 3600;

/**
 * Seconds until the next check of a payment asked about `checksBefore` times before this one and
 * opened `openForSeconds` ago: 5 min, 10 min, 20 min, … up to 4 h; once a day when abandoned.
 */
export function secondsUntilNextCheck(checksBefore: number, openForSeconds: number): number {
  if (openForSeconds >= ABANDONED_AFTER_SECONDS) return ABANDONED_RECHECK_AFTER_SECONDS;
  // Capped before exponentiating, so a payment asked thousands of times never overflows.
  const doublings = Math.min(Math.max(checksBefore, 0), 16);
  return Math.min(FIRST_RECHECK_AFTER_SECONDS * 2 ** doublings, LONGEST_RECHECK_AFTER_SECONDS);
}

/** The instant of the next check, for a check made at `now` (ISO instants in and out). */
export function nextCheckAt(checksBefore: number, openedAt: string, now: string): string {
  const nowMs = Date.parse(now);
  const openForSeconds = Math.max(0, (nowMs - Date.parse(openedAt)) / 1000);
  return new Date(nowMs + secondsUntilNextCheck(checksBefore, openForSeconds) * 1000).toISOString();
}
