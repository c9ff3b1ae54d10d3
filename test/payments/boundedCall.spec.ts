import { describe, expect, it } from 'vitest';
import { backoffMs, callWithinBudget, retryAfterMs, type TryFailure } from '../../src/payments/boundedCall.js';
import { ProviderCallError } from '../../src/payments/provider.js';

const options = (classify: (error: unknown) => TryFailure, budgetMs = 1_000) => ({
  account: 'stripe' as const,
  operation: 'paymentIntents.create',
  budgetMs,
  classify,
});

async function failureOf(work: Promise<unknown>): Promise<ProviderCallError> {
  const error: unknown = await work.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof ProviderCallError)) throw new Error(`expected a ProviderCallError, got ${String(error)}`);
  return error;
}

describe('callWithinBudget', () => {
  it('gives up at once, as refused, when the provider says no', async () => {
    const timeouts: number[] = [];
    const failed = await failureOf(
      callWithinBudget(
        options(() => ({ retriable: false })),
        (timeout) => {
          timeouts.push(timeout);
          return Promise.reject(new Error('card declined'));
        },
      ),
    );
    expect(failed.failure).toBe('refused');
    expect(timeouts).toHaveLength(1);
  });

  it('gives each try what is left of one budget, never a fresh one', async () => {
    const timeouts: number[] = [];
    await callWithinBudget(
      options(() => ({ retriable: true, retryAfterMs: 50 })),
      (timeout) => {
        timeouts.push(timeout);
        return timeouts.length < 3 ? Promise.reject(new Error('503')) : Promise.resolve('ok');
      },
    );
    expect(timeouts).toHaveLength(3);
    expect(timeouts[0]).toBeLessThanOrEqual(1_000);
    // A 50 ms timer may end when Date.now() has moved only 49 ms (the timer runs on a finer monotonic
    // clock), so each try gets at least 45 ms less: a fresh budget would give it 1,000 again.
    expect(timeouts[1]).toBeLessThanOrEqual((timeouts[0] ?? 0) - 45);
    expect(timeouts[2]).toBeLessThanOrEqual((timeouts[1] ?? 0) - 45);
  });

  it('does not wait out a Retry-After longer than the budget left: unreachable at once', async () => {
    let tries = 0;
    const failed = await failureOf(
      callWithinBudget(
        options(() => ({ retriable: true, retryAfterMs: 60_000 }), 60_000),
        () => {
          tries += 1;
          return Promise.reject(new Error('429'));
        },
      ),
    );
    expect(failed.failure).toBe('unreachable');
    expect(tries).toBe(1);
  });

  it('abandons a try still running at the deadline, as unreachable', async () => {
    const failed = await failureOf(
      callWithinBudget(
        options(() => ({ retriable: true }), 200),
        () => new Promise<never>(() => undefined),
      ),
    );
    expect(failed.failure).toBe('unreachable');
    expect(failed.message).toContain('no answer within the 200 ms budget');
  });
});

describe('retryAfterMs', () => {
  it('reads seconds and HTTP dates, and nothing else', () => {
    const now = Date.parse('2026-12-07T10:00:00Z');
    expect(retryAfterMs('2', now)).toBe(2_000);
    expect(retryAfterMs(['0'], now)).toBe(0);
    expect(retryAfterMs('Mon, 07 Dec 2026 10:00:03 GMT', now)).toBe(3_000);
    expect(retryAfterMs('soon', now)).toBeUndefined();
    expect(retryAfterMs(undefined, now)).toBeUndefined();
    expect(retryAfterMs('', now)).toBeUndefined();
  });
});

describe('backoffMs', () => {
  it('doubles from 250 ms up to 4 s, jittered below that', () => {
    expect([0, 1, 2, 3, 4, 5, 9].map((n) => backoffMs(n, () => 0.999_999))).toEqual([249, 499, 999, 1_999, 3_999, 3_999, 3_999]);
    expect(backoffMs(3, () => 0)).toBe(0);
  });
});
