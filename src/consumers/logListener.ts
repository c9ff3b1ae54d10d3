import pg from 'pg';

import { LOG_CHANNEL } from '../db/commitNotice.js';
import { CONNECT_TIMEOUT_MS } from '../db/timeouts.js';

export { LOG_CHANNEL };

export type LogListener = { close(): Promise<void> };

export type LogListenerEvents = {
  /** Transactions that appended events have committed (or may have: see `onRestored`). */
  readonly onCommit: () => void;
  /** The connection failed, or a try to listen again did; it is tried again after a backoff. */
  readonly onError: (error: Error) => void;
  /** Listening again after the connection was lost, at the `attempt`-th try. */
  readonly onRestored?: (attempt: number) => void;
};

/** The first wait before listening again after the connection was lost; doubled after each failed try. */
export const RELISTEN_FIRST_DELAY_MS = 100;
/** The longest wait between two tries. */
export const RELISTEN_MAX_DELAY_MS = 5_000;

/** The wait before try number `attempt` (1, 2, …): exponential, capped, with jitter so replicas do not reconnect in step. */
export function relistenDelayMs(attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(RELISTEN_MAX_DELAY_MS, RELISTEN_FIRST_DELAY_MS * 2 ** (attempt - 1));
  return ceiling / 2 + (random() * ceiling) / 2;
}

/**
 * Calls `onCommit` whenever transactions that appended events have committed (`withTransaction`
 * notifies after such a commit, see noticeLogCommitted). A dedicated plain `pg` connection: slonik exposes no
 * notifications, and LISTEN holds its session for as long as it listens. The statement is a
 * constant with no values, so no SQL is built from input here.
 *
 * When the connection is lost (the database restarted, a network cut), it listens again on a new
 * one, with backoff, until it succeeds or is closed; consumers poll meanwhile. Once listening
 * again it calls `onCommit`, since commits made while nobody listened sent no notice that arrived.
 * The first connection must succeed: a server that cannot listen at start fails to start.
 */
export async function listenForCommits(databaseUrl: string, events: LogListenerEvents): Promise<LogListener> {
  let closed = false;
  let current: pg.Client | null = null;
  let retry: NodeJS.Timeout | undefined;

  const connect = async (): Promise<pg.Client> => {
    const client = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
    // Without a listener a dropped connection would crash the process; the 'end' below relistens.
    client.on('error', events.onError);
    client.on('notification', (message) => {
      if (message.channel === LOG_CHANNEL) events.onCommit();
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${LOG_CHANNEL}`);
    } catch (error) {
      // The error that matters is the connect's, thrown below; ending a client that never got a
      // session can only fail the same way, so its outcome adds nothing.
      await client.end().catch(() => undefined);
      throw error;
    }
    client.once('end', () => {
      if (current === client) current = null;
      if (!closed) scheduleRelisten(1);
    });
    return client;
  };

  const scheduleRelisten = (attempt: number) => {
    retry = setTimeout(() => {
      retry = undefined;
      connect().then(
        (client) => {
          if (closed) {
            void client.end();
            return;
          }
          current = client;
          events.onRestored?.(attempt);
          events.onCommit();
        },
        (error: unknown) => {
          events.onError(error instanceof Error ? error : new Error(String(error)));
          if (!closed) scheduleRelisten(attempt + 1);
        },
      );
    }, relistenDelayMs(attempt));
  };

  current = await connect();
  return {
    async close() {
      closed = true;
      clearTimeout(retry);
      const client = current;
      current = null;
      await client?.end();
    },
  };
}
