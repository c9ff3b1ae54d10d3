import type { ReservationStatus } from './reservation.js';

/**
 * How the ledger's reservations show at the activity panel (PANEL.md) and when a push that could
 * not reach it is tried again. Pure: the sender and the daily comparison both decide with these.
 */

export type PanelBookingStatus = 'held' | 'confirmed' | 'cancelled';

/** Held → `held`; paid → `confirmed`; cancelled, expired or refunded → `cancelled`. */
export function panelStatusOf(status: Exclude<ReservationStatus, 'none'>): PanelBookingStatus {
  switch (status) {
    case 'held':
      return 'held';
    case 'paid':
      return 'confirmed';
    case 'cancelled':
    case 'expired':
    case 'refunded':
      return 'cancelled';
  }
}

/** The first retry waits this long; each next one twice as long, up to `LONGEST_RETRY_AFTER_SECONDS`. */
export const FIRST_RETRY_AFTER_SECONDS = 1;
export const LONGEST_RETRY_AFTER_SECONDS = 3600;
/** A push still not through this long after it was queued is kept as failed, for a person to retry. */
export const GIVE_UP_AFTER_SECONDS = 3 * 24 * 3600;

/** Seconds before the next try after `failedAttempts` failed ones (1 s, 2 s, 4 s, … 1 h), or later when the panel said so. */
export function secondsUntilRetry(failedAttempts: number, retryAfterSeconds?: number): number {
  // Capped before exponentiating: a push tried thousands of times never overflows.
  const doublings = Math.min(Math.max(failedAttempts - 1, 0), 16);
  const backoff = Math.min(FIRST_RETRY_AFTER_SECONDS * 2 ** doublings, LONGEST_RETRY_AFTER_SECONDS);
  return Math.max(backoff, retryAfterSeconds ?? 0);
}

/** After a failed try at `now`: when to try next, or `failed` once the push has waited its 3 days. */
export function afterFailedPush(input: {
  readonly failedAttempts: number;
  readonly queuedAt: string;
  readonly now: string;
  readonly retryAfterSeconds?: number;
}): { readonly kind: 'retry'; readonly at: string } | { readonly kind: 'failed' } {
  const nowMs = Date.parse(input.now);
  if (nowMs - Date.parse(input.queuedAt) >= GIVE_UP_AFTER_SECONDS * 1000) return { kind: 'failed' };
  return { kind: 'retry', at: new Date(nowMs + secondsUntilRetry(input.failedAttempts, input.retryAfterSeconds) * 1000).toISOString() };
}
