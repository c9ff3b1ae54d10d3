import { createDatabasePool } from '../db/pool.js';
import { createCheckpoint } from './checkpointsCreate.js';

/** `ledger checkpoint`: records one checkpoint and prints it as JSON. */
export async function runCheckpointCommand(url: string): Promise<number> {
  const pool = await createDatabasePool(url, { maximumPoolSize: 2 });
  try {
    console.log(JSON.stringify(await createCheckpoint(pool)));
    return 0;
  } finally {
    await pool.end();
  }
}
