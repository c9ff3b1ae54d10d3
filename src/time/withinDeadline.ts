import { setTimeout as sleep } from 'node:timers/promises';

/**
 * `work`'s own outcome, or the error `expired()` makes once `ms` have passed, whichever comes first
 * (a timeout inside `work` may restart on every byte; this one does not). Work still running at the
 * deadline is left to finish unheard: its caller already has an answer.
 */
export async function withinDeadline<T>(work: Promise<T>, ms: number, expired: () => Error): Promise<T> {
  const timer = new AbortController();
  const deadline = sleep(ms, undefined, { signal: timer.signal }).then(() => {
    throw expired();
  });
  try {
    return await Promise.race([work, deadline]);
  } finally {
    timer.abort();
    // Neither the cancelled timer's AbortError nor a late failure of the work has anyone left to tell.
    deadline.catch(() => undefined);
    work.catch(() => undefined);
  }
}
