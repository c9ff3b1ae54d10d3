import { EventStoreDBClient } from '@eventstore/db-client';
import type { DatabasePool } from '../db/pool.js';
import type { MirrorDivergenceError } from './errors.js';
import { eventStoreMirror } from './eventStoreMirror.js';
import { type Backoff, runMirror } from './runMirror.js';

export type MirrorSettings = {
  /** `esdb://…` or `kurrentdb://…`, as EventStoreDB/KurrentDB clients take it. */
  readonly connectionString: string;
  readonly tenants?: readonly string[] | undefined;
};

export type MirrorLog = {
  info(message: string): void;
  warn(message: string): void;
  error(message: string, error?: unknown): void;
};

/** What the mirror reports as it runs: `/metrics` in the server. */
export type MirrorProgress = {
  appended(events: number): void;
  halted(stream: string): void;
};

export type StartedMirror = {
  stop(): Promise<void>;
  /** Resolves with the divergence that stopped the mirror, or null once stopped. */
  readonly ended: Promise<MirrorDivergenceError | null>;
};

/**
 * Connects the real client and runs the mirror from its checkpoint on: catch-up first (from the
 * start of the log on the first run), then live on commit notifications. A server that is down is
 * retried with backoff and logged; a divergence is logged with its stream and ends the mirror.
 */
export async function startMirror(
  pool: DatabasePool,
  databaseUrl: string,
  settings: MirrorSettings,
  hooks: { readonly log: MirrorLog; readonly progress?: MirrorProgress; readonly backoff?: Backoff },
): Promise<StartedMirror> {
  const { log, progress } = hooks;
  const client = EventStoreDBClient.connectionString(settings.connectionString);
  const mirror = eventStoreMirror(client, {
    ...(settings.tenants ? { tenants: settings.tenants } : {}),
    ...(progress ? { onAppended: (events: number) => progress.appended(events) } : {}),
  });
  const tenants = settings.tenants ? `tenants ${settings.tenants.join(', ')}` : 'every tenant';
  log.info(`EventStoreDB mirror: following the ledger's log for ${tenants}`);
  const running = await runMirror(pool, mirror, {
    databaseUrl,
    ...(hooks.backoff ? { backoff: hooks.backoff } : {}),
    onRetry: (error, attempt, delayMs) =>
      log.warn(`EventStoreDB mirror: a batch failed (try ${attempt}), trying again in ${Math.round(delayMs)} ms: ${String(error)}`),
    onListenerError: (error) => log.error('EventStoreDB mirror: its LISTEN connection failed, will listen again', error),
    onHalted: (error) => {
      progress?.halted(error.stream);
      log.error(`EventStoreDB mirror stopped: ${error.message}`, error);
    },
  }).catch(async (error: unknown) => {
    await client.dispose();
    throw error;
  });
  const ended = running.ended.finally(() => client.dispose());
  return {
    ended,
    async stop() {
      await running.stop();
      await ended;
    },
  };
}
