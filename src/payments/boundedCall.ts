import { setTimeout as sleep } from 'node:timers/promises';
import { withinDeadline } from '../time/withinDeadline.js';
import { ProviderCallError, type ProviderAccount } from './provider.js';

/**
 * The most a request waits for one provider operation, all tries and waits together (API.md,
 * Payments): a customer's app gives up on us soon after, and a held seat should not wait longer.
 */
export const PROVIDER_CALL_BUDGET_MS = 25_000;

/** How one failed try is read: worth another try (and when), or the provider's final word. */
export type TryFailure = { readonly retriable: false } | { readonly retriable: true; readonly retryAfterMs?: number };

/** Waits between tries when the provider does not say how long: 250 ms doubling, at most 4 s, with full jitter. */
const FIRST_BACKOFF_MS = 250;
const MAX_BACKOFF_MS = 4_000;
/** A try with less time than this left would only time out; the budget is spent. */
const SHORTEST_USEFUL_TRY_MS = 100;

export const backoffMs = (failures: number, random: () => number = Math.random) =>
  Math.floor(random() * Math.min(MAX_BACKOFF_MS, FIRST_BACKOFF_MS * 2 ** failures));

/** A try that outlived the deadline: the provider may still finish it, which our idempotency key makes harmless. */
export class ProviderDeadlineError extends Error {
  override readonly name = 'ProviderDeadlineError';
  constructor(budgetMs: number) {
    super(`no answer within the ${budgetMs} ms budget`);
  }
}

/** `Retry-After` in seconds or as an HTTP date, in milliseconds from `now`; undefined when absent or unreadable. */
export function retryAfterMs(value: unknown, now = Date.now()): number | undefined {
  const text: unknown = Array.isArray(value) ? (value as unknown[])[0] : value;
  if (typeof text !== 'string' && typeof text !== 'number') return undefined;
  const seconds = Number(text);
  if (String(text).trim() !== '' && Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(String(text));
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

export type BoundedCallOptions = {
  readonly account: ProviderAccount;
  readonly operation: string;
  readonly budgetMs: number;
  /** Reads a failed try; the adapter knows its SDK's errors. */
  readonly classify: (error: unknown) => TryFailure;
};

/**
 * Runs one provider operation against one deadline: each try gets what is left of the budget as its
 * timeout (the SDK's own retries are off, so none add up behind our back), a retriable failure (429,
 * 5xx, a lost connection, a timeout) is tried again after the provider's `Retry-After` or a backoff
 * while time remains, and a try still running at the deadline is abandoned. Fails with a
 * ProviderCallError: `refused` when the provider said no, `unreachable` when the budget ran out.
 * Every try must carry the same idempotency key, so that tries which all reached the provider make one object.
 */
export async function callWithinBudget<T>(options: BoundedCallOptions, attempt: (timeoutMs: number) => Promise<T>): Promise<T> {
  const { account, operation, budgetMs, classify } = options;
  const deadline = Date.now() + budgetMs;
  for (let failures = 0; ; failures += 1) {
    const remaining = deadline - Date.now();
    try {
      return await withinDeadline(attempt(Math.max(1, Math.ceil(remaining))), remaining, () => new ProviderDeadlineError(budgetMs));
    } catch (error) {
      const failure = error instanceof ProviderDeadlineError ? ({ retriable: true } as const) : classify(error);
      if (!failure.retriable) throw new ProviderCallError(account, operation, { cause: error, failure: 'refused' });
      const wait = failure.retryAfterMs ?? backoffMs(failures);
      if (deadline - Date.now() - wait < SHORTEST_USEFUL_TRY_MS) {
        throw new ProviderCallError(account, operation, { cause: error, failure: 'unreachable' });
      }
      await sleep(wait);
    }
  }
}
