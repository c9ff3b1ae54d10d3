import { createDatabasePool } from '../db/pool.js';
import type { CheckpointSigner } from './checkpointSigning.js';
import { createCheckpoint } from './checkpointsCreate.js';

/** `ledger checkpoint`: records one signed checkpoint and prints it as JSON. */
export async function runCheckpointCommand(url: string, signer: CheckpointSigner): Promise<number> {
  const pool = await createDatabasePool(url, { maximumPoolSize: 2 });
  try {
    console.log(JSON.stringify(await createCheckpoint(pool, signer)));
    return 0;
  } finally {
    await pool.end();
  }
}
