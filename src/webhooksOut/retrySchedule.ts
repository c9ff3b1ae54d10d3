/** A delivery is retried for three days from its first failure, then given up (API.md). */
export const RETRY_FOR_SECONDS = 3 * 24 * 3600;
const FIRST_RETRY_SECONDS = 10;
/** Four hours between the last tries: about 18 attempts over the three days. */
const LONGEST_WAIT_SECONDS = 4 * 3600;

/** How long to wait after a delivery's `attempts`-th failed attempt: doubling from 10 s, at most 4 h. */
export function retryDelaySeconds(attempts: number): number {
  return Math.min(FIRST_RETRY_SECONDS * 2 ** Math.max(0, attempts - 1), LONGEST_WAIT_SECONDS);
}
