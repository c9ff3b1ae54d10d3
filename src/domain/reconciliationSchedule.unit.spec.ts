import { describe, expect, it } from 'vitest';
import {
  ABANDONED_AFTER_SECONDS,
  ABANDONED_RECHECK_AFTER_SECONDS,
  LONGEST_RECHECK_AFTER_SECONDS,
  nextCheckAt,
  secondsUntilNextCheck,
} from './reconciliationSchedule.js';

describe('the reconciliation schedule of one open payment', () => {
  it('waits 5 min after the first check and doubles with each, up to 4 h', () => {
    const waits = [0, 1, 2, 3, 4, 5, 6, 100, 10_000].map((checks) => secondsUntilNextCheck(checks, 60));
    expect(waits).toEqual([300, 600, 1200, 2400, 4800, 9600, 14_400, 14_400, 14_400]);
    expect(Math.max(...waits)).toBe(LONGEST_RECHECK_AFTER_SECONDS);
  });

  it('asks about an abandoned payment once a day, however few times it was asked', () => {
    expect(secondsUntilNextCheck(0, ABANDONED_AFTER_SECONDS)).toBe(ABANDONED_RECHECK_AFTER_SECONDS);
    expect(secondsUntilNextCheck(0, ABANDONED_AFTER_SECONDS - 1)).toBe(300);
  });

  it('counts from the check, as an instant', () => {
    expect(nextCheckAt(1, '2027-01-01T00:00:00.000Z', '2027-01-01T01:00:00.000Z')).toBe('2027-01-01T01:10:00.000Z');
  });
});
