import { randomBytes } from 'node:crypto';
import type { DatabasePool } from '../../src/db/pool.js';
import { masterKeyWrapper } from '../../src/privacy/keyWrapping.js';
import { createPersonalData, type PersonalData } from '../../src/privacy/personalData.js';

/** Personal data sealed under a master key of this test's own (what PII_MASTER_KEY configures). */
export function createTestPersonalData(pool: DatabasePool): PersonalData {
  return createPersonalData(pool, masterKeyWrapper(randomBytes(32), 'test master key'));
}

/** A PII_MASTER_KEY for a server over DATABASE_URL (required there, like the checkpoint key): 32 random bytes, base64. */
export function newPiiMasterKey(): string {
  return randomBytes(32).toString('base64');
}
