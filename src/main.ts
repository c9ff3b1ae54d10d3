import type { FastifyInstance } from 'fastify';
import type { AppDeps } from './app/context.js';
import { expireDueHolds } from './app/expireHolds.js';
import { createUserDirectory } from './app/userDirectory.js';
import type { AppConfig } from './config/config.js';
import { redactConfig } from './config/redact.js';
import { migrate } from './db/migrate.js';
import { openDatabase } from './db/openDatabase.js';
import { createDatabasePool } from './db/pool.js';
import { buildServer } from './http/server.js';
import { createIdentityFromConfig } from './identity/identityFromConfig.js';

export type RunningLedger = {
  readonly server: FastifyInstance;
  readonly url: string;
  stop(): Promise<void>;
};

export type Logger = { info(msg: string): void; warn(msg: string): void; error(msg: string, err?: unknown): void };

const SWEEP_INTERVAL_MS = 5_000;

/** The composition root: config → database → adapters → use cases → HTTP. */
export async function startLedger(config: AppConfig, log: Logger): Promise<RunningLedger> {
  log.info(`configuration: ${JSON.stringify(redactConfig(config))}`);
  const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  const stopSteps: (() => Promise<void>)[] = [() => database.close()];
  const stop = async () => {
    for (const step of stopSteps.reverse()) await step();
  };
  try {
    log.info(`database: ${database.description}`);
    const migrated = await migrate(database.url);
    log.info(`migrations: ${migrated.applied.length} applied, ${migrated.alreadyApplied} already in place`);
    const pool = await createDatabasePool(database.url);
    stopSteps.push(() => pool.end());
    const clock = () => new Date();
    const app: AppDeps = { pool, clock, holdTtlSeconds: config.holdTtlSeconds };
    const identity = await createIdentityFromConfig(config);
    if (identity.mode === 'dev') log.warn(identity.description);
    else log.info(identity.description);
    const verifier = identity.verifier;
    const server = await buildServer({
      app,
      verifier,
      users: createUserDirectory(pool, clock),
      logger: {
        level: config.nodeEnv === 'test' ? 'warn' : 'info',
        redact: ['req.headers.authorization', 'req.headers["stripe-signature"]', 'req.headers["x-signature"]'],
      },
    });
    stopSteps.push(() => server.close());
    const sweeper = setInterval(() => {
      expireDueHolds(app).catch((error: unknown) => log.error('hold expiry sweep failed', error));
    }, SWEEP_INTERVAL_MS);
    sweeper.unref();
    stopSteps.push(async () => clearInterval(sweeper));
    const url = await server.listen({ host: config.host, port: config.port });
    log.info(`booking ledger listening on ${url}`);
    return { server, url, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
