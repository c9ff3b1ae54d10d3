import { createTestPersonalData } from '../support/personalData.js';
import { benchRoutes } from './benchRoutes.js';
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { BaseDeps } from '../../src/app/context.js';
import { createUserDirectory } from '../../src/app/userDirectory.js';
import { createCommandPool } from '../../src/db/commandPool.js';
import { SYSTEM_ROLE } from '../../src/db/roles.js';
import { createDatabasePool, type DatabasePool } from '../../src/db/pool.js';
import { buildServer } from '../../src/http/server.js';
import { createTestTokenVerifier, mintToken, type TestIdentity } from '../../src/identity/testing/tokens.js';
import type { BenchCluster } from './cluster.js';

export const BENCH_TENANT = 'tenant-bench';

export type BenchLedger = {
  readonly database: string;
  readonly url: string;
  readonly pool: DatabasePool;
  readonly server: FastifyInstance;
  readonly identity: TestIdentity;
  readonly adminToken: string;
  /** One customer (own `sub`) per concurrent client. */
  readonly customerTokens: readonly string[];
  close(): Promise<void>;
};

/**
 * The real HTTP app (`buildServer`, production token verifier with a test pool's JWKS preloaded,
 * the real user directory) over its own fresh migrated database, listening on 127.0.0.1.
 */
export async function startBenchLedger(
  cluster: BenchCluster,
  database: string,
  options: { readonly poolSize: number; readonly customers: number; readonly identity: TestIdentity },
): Promise<BenchLedger> {
  const dbUrl = await cluster.createMigratedDatabase(database);
  const pool = await createDatabasePool(dbUrl, { maximumPoolSize: options.poolSize });
  const clock = () => new Date();
  const commands = createCommandPool(dbUrl, { maximumPoolSize: options.poolSize });
  // The bench cluster's sessions log in as its owner; the system role is taken the same way as the app role.
  const systemPool = await createDatabasePool(dbUrl, { maximumPoolSize: 2, role: SYSTEM_ROLE });
  const deps: BaseDeps = {
    pool,
    systemPool,
    commands,
    clock,
    holdTtlSeconds: 900,
    paymentGraceSeconds: 1800,
    personalData: createTestPersonalData(pool),
  };
  let server: FastifyInstance | undefined;
  try {
    server = await buildServer({
      verifier: createTestTokenVerifier(options.identity),
      users: createUserDirectory(pool, clock),
      routes: benchRoutes(deps),
      // The bench measures throughput, not the per-client limit.
      rateLimits: { booking: false, operations: false },
    });
    const url = await server.listen({ host: '127.0.0.1', port: 0 });
    const identity = options.identity;
    const adminToken = mintToken(identity, { tenantId: BENCH_TENANT, groups: ['admin'], sub: randomUUID(), email: 'admin@example.com' });
    const customerTokens = Array.from({ length: options.customers }, (_, index) =>
      mintToken(identity, { tenantId: BENCH_TENANT, sub: randomUUID(), email: `bench-${index}@example.com` }),
    );
    const running = server;
    return {
      database,
      url,
      pool,
      server: running,
      identity,
      adminToken,
      customerTokens,
      async close() {
        try {
          await running.close();
        } finally {
          await commands.end();
          await systemPool.end();
          await pool.end();
        }
      },
    };
  } catch (error) {
    await server?.close().catch(() => undefined);
    await commands.end();
    await systemPool.end();
    await pool.end();
    throw error;
  }
}

/** PUT /v1/slots/{id} for every id (admin), a few at a time; fails on anything but 201. */
export async function defineSlots(ledger: BenchLedger, slotIds: readonly string[], capacity: number): Promise<void> {
  const startsAt = new Date(Date.now() + 30 * 24 * 3600 * 1000).toISOString();
  let next = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < slotIds.length) {
        const slotId = slotIds[next++]!;
        const response = await fetch(`${ledger.url}/v1/slots/${slotId}`, {
          method: 'PUT',
          headers: { authorization: `Bearer ${ledger.adminToken}`, 'content-type': 'application/json' },
          body: JSON.stringify({ activityId: 'bench-activity', startsAt, capacity, unitPrice: { amount: 4500, currency: 'BRL' } }),
        });
        const text = await response.text();
        if (response.status !== 201) throw new Error(`PUT /v1/slots/${slotId} → ${response.status} ${text}`);
      }
    }),
  );
}
