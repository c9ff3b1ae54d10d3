/**
 * The sleep of a log follower between batches: a commit notification ends it early (unless the
 * sleep is a backoff, which only the server coming back would help), and stopping ends it for good.
 * A notification that comes while no sleep is running is kept, so the next sleep returns at once
 * and no commit is slept through.
 */
export type Waker = {
  /** Events were committed: wake a sleep that commits may end, or the next one. */
  notify(): void;
  /** Ends the current sleep and every later one at once. */
  stop(): void;
  readonly stopped: boolean;
  /** Whether a commit was notified since the last call; clears it. */
  takeNotice(): boolean;
  sleep(ms: number, options?: { readonly endedByCommit?: boolean }): Promise<void>;
};

export function createWaker(): Waker {
  let stopped = false;
  let notified = false;
  let current: { readonly endedByCommit: boolean; readonly end: () => void } | null = null;
  return {
    notify() {
      notified = true;
      if (current?.endedByCommit) current.end();
    },
    stop() {
      stopped = true;
      current?.end();
    },
    get stopped() {
      return stopped;
    },
    takeNotice() {
      const was = notified;
      notified = false;
      return was;
    },
    sleep(ms, options = {}) {
      const endedByCommit = options.endedByCommit ?? true;
      return new Promise<void>((resolve) => {
        if (stopped || (endedByCommit && notified)) {
          resolve();
          return;
        }
        const timer = setTimeout(resolve, ms);
        current = {
          endedByCommit,
          end: () => {
            clearTimeout(timer);
            resolve();
          },
        };
      }).finally(() => {
        current = null;
      });
    },
  };
}
