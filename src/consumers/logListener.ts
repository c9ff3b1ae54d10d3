import pg from 'pg';

import { LOG_CHANNEL } from '../db/commitNotice.js';

export { LOG_CHANNEL };

export type LogListener = { close(): Promise<void> };

/**
 * Calls `onCommit` whenever transactions that appended events have committed (`withTransaction`
 * notifies after such a commit, see noticeLogCommitted). A dedicated plain `pg` connection: slonik exposes no
 * notifications, and LISTEN holds its session for as long as it listens. The statement is a
 * constant with no values, so no SQL is built from input here.
 */
export async function listenForCommits(databaseUrl: string, onCommit: () => void, onError: (error: Error) => void): Promise<LogListener> {
  const client = new pg.Client({ connectionString: databaseUrl });
  // Without a listener a dropped connection would crash the process; polling covers the gap.
  client.on('error', onError);
  client.on('notification', (message) => {
    if (message.channel === LOG_CHANNEL) onCommit();
  });
  await client.connect();
  await client.query(`LISTEN ${LOG_CHANNEL}`);
  return { close: () => client.end() };
}
