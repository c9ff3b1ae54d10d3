/** One thing a running server stops, by the name a shutdown log line gives it. */
type StopStep = { readonly name: string; readonly stop: () => Promise<void> };

export type StopSequence = {
  /** Adds what undoes the last thing started: it runs before every step added earlier. */
  add(name: string, stop: () => Promise<void>): void;
  /**
   * Runs the steps, newest first, each once the one before has ended. A step that fails does not
   * keep the later ones (the pools, the database) from stopping; its error is thrown at the end.
   * Runs once: a second call gets the first call's outcome.
   */
  run(): Promise<void>;
  /** The steps not yet ended, in the order they run: what a shutdown past its deadline is waiting for. */
  pending(): readonly string[];
};

export function createStopSequence(): StopSequence {
  const steps: StopStep[] = [];
  const ended = new Set<StopStep>();
  let running: Promise<void> | undefined;

  async function runAll(): Promise<void> {
    const failures: unknown[] = [];
    for (const step of [...steps].reverse()) {
      try {
        await step.stop();
      } catch (error) {
        failures.push(new Error(`stopping ${step.name} failed`, { cause: error }));
      }
      ended.add(step);
    }
    if (failures.length === 1) throw failures[0];
    if (failures.length > 1) throw new AggregateError(failures, `stopping ${failures.length} parts of the server failed`);
  }

  return {
    add(name, stop) {
      steps.push({ name, stop });
    },
    run() {
      running ??= runAll();
      return running;
    },
    pending() {
      return [...steps]
        .reverse()
        .filter((step) => !ended.has(step))
        .map((step) => step.name);
    },
  };
}
