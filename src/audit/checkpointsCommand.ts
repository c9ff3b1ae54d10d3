import { createDatabasePool } from '../db/pool.js';
import { SYSTEM_ROLE } from '../db/roles.js';
import type { CheckpointSigner } from './checkpointSigning.js';
import { createCheckpoint } from './checkpointsCreate.js';

/** `ledger checkpoint`: records one signed checkpoint and prints it as JSON, on the system login (`systemUrl`). */
export async function runCheckpointCommand(systemUrl: string, signer: CheckpointSigner): Promise<number> {
  const pool = await createDatabasePool(systemUrl, { maximumPoolSize: 2, role: SYSTEM_ROLE });
  try {
    console.log(JSON.stringify(await createCheckpoint(pool, signer)));
    return 0;
  } finally {
    await pool.end();
  }
}
