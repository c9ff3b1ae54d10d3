import type { Logger } from '../main.js';

/** What a signal stops: the running server, or the database a one-shot command opened. */
export type Stoppable = {
  stop(): Promise<void>;
  /** The parts not stopped yet, for the line a shutdown past its deadline logs. */
  stillStopping?(): readonly string[];
};

export type SignalWatch = {
  /** From now on a signal stops `target`; a signal that came while it was starting stops it now. */
  started(target: Stoppable): void;
  /** The work is done: SIGINT and SIGTERM get Node's default handling again. */
  release(): void;
};

export type StopOnSignalOptions = {
  readonly log: Logger;
  /** How long a stop may take from the first signal on, start-up included. */
  readonly deadlineMs: number;
  /** The exit code once `target` has stopped after `signal`. */
  readonly exitCode: (signal: NodeJS.Signals) => number;
};

const SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM'];

/**
 * Watches for SIGINT and SIGTERM from before anything starts, so a signal during start-up still
 * stops what started (the embedded cluster above all) instead of leaving it running. The first
 * signal stops the target and exits with `exitCode(signal)`. The exit code is 1 when stopping
 * fails or is not done within `deadlineMs`; in that case the log names what was still stopping.
 * A second signal only says what the stop waits for.
 */
export function stopOnSignal(options: StopOnSignalOptions): SignalWatch {
  const { log } = options;
  let target: Stoppable | undefined;
  let signalled: NodeJS.Signals | undefined;
  const waitingFor = () => (target ? (target.stillStopping?.() ?? ['stop']) : ['start-up']).join(', ');

  const stop = (running: Stoppable, signal: NodeJS.Signals) => {
    running.stop().then(
      () => {
        log.info('stopped');
        process.exit(options.exitCode(signal));
      },
      (error: unknown) => {
        log.error('shutdown failed', error);
        process.exit(1);
      },
    );
  };

  const onSignal = (signal: NodeJS.Signals) => {
    if (signalled) {
      log.warn(`${signal}: already stopping (waiting for: ${waitingFor()})`);
      return;
    }
    signalled = signal;
    log.info(`${signal}: stopping within ${options.deadlineMs / 1000} s`);
    // Not unref'd: a stop stuck on a promise that no handle keeps alive must still end in exit 1, not a silent 0.
    setTimeout(() => {
      log.error(`shutdown not done within ${options.deadlineMs / 1000} s; still stopping: ${waitingFor()}`);
      process.exit(1);
    }, options.deadlineMs);
    if (target) stop(target, signal);
  };

  for (const signal of SIGNALS) process.on(signal, onSignal);
  return {
    started(running) {
      target = running;
      if (signalled) stop(running, signalled);
    },
    release() {
      for (const signal of SIGNALS) process.off(signal, onSignal);
    },
  };
}
