import { describe, expect, it } from 'vitest';
import { afterFailedPush, GIVE_UP_AFTER_SECONDS, panelStatusOf, secondsUntilRetry } from './panelPush.js';

describe('how a reservation shows at the panel', () => {
  it('maps held to held, paid to confirmed, and cancelled, expired and refunded to cancelled', () => {
    expect((['held', 'paid', 'cancelled', 'expired', 'refunded'] as const).map(panelStatusOf)).toEqual([
      'held',
      'confirmed',
      'cancelled',
      'cancelled',
      'cancelled',
    ]);
  });
});

describe('when a push the panel did not take is tried again', () => {
  it('waits 1 s after the first failure and doubles with each, up to 1 h', () => {
    const waits = [1, 2, 3, 4, 12, 13, 100, 100_000].map((failed) => secondsUntilRetry(failed));
    expect(waits).toEqual([1, 2, 4, 8, 2048, 3600, 3600, 3600]);
  });

  it('waits at least as long as the panel’s Retry-After', () => {
    expect(secondsUntilRetry(1, 120)).toBe(120);
    expect(secondsUntilRetry(13, 120)).toBe(3600);
  });

  it('gives up once the push has waited 3 days since it was queued', () => {
    const queuedAt = '2027-01-01T00:00:00.000Z';
    const justBefore = new Date(Date.parse(queuedAt) + GIVE_UP_AFTER_SECONDS * 1000 - 1).toISOString();
    const at = new Date(Date.parse(queuedAt) + GIVE_UP_AFTER_SECONDS * 1000).toISOString();
    expect(afterFailedPush({ failedAttempts: 80, queuedAt, now: justBefore })).toEqual({
      kind: 'retry',
      at: new Date(Date.parse(justBefore) + 3600_000).toISOString(),
    });
    expect(afterFailedPush({ failedAttempts: 80, queuedAt, now: at })).toEqual({ kind: 'failed' });
  });
});
