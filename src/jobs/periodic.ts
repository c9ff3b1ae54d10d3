/** A job started by `startPeriodic`; `stop` waits for a run in flight to finish. */
export type PeriodicJob = { stop(): Promise<void> };

/**
 * Runs `run` every `intervalMs`, one run at a time: a slow run (a slow provider, a large sweep) is
 * never overlapped by the next, which is skipped instead. A failed run is reported and tried again
 * at the next tick, never dropped silently. The timer does not keep the process alive.
 */
export function startPeriodic(
  intervalMs: number,
  run: () => Promise<unknown>,
  onError: (error: unknown) => void,
): PeriodicJob {
  let inFlight: Promise<void> | null = null;
  const timer = setInterval(() => {
    if (inFlight) return;
    inFlight = run()
      .then(
        () => undefined,
        (error: unknown) => onError(error),
      )
      .finally(() => {
        inFlight = null;
      });
  }, intervalMs);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await inFlight;
    },
  };
}
