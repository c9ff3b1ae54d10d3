import type { BaseDeps } from '../../src/app/context.js';
import type { CommandPool } from '../../src/db/commandPool.js';
import type { DatabasePool } from '../../src/db/pool.js';
import { createTestPersonalData } from '../support/personalData.js';

/** The use cases' dependencies as every bench wires them: the real clock, the default hold and grace times. */
export function benchDeps(pools: { pool: DatabasePool; systemPool: DatabasePool; commands: CommandPool }): BaseDeps {
  return {
    ...pools,
    clock: () => new Date(),
    holdTtlSeconds: 900,
    paymentGraceSeconds: 1800,
    personalData: createTestPersonalData(pools.pool),
  };
}
