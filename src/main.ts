import type { FastifyInstance } from 'fastify';
import { type DestinationStream, pino, type Logger as PinoLogger } from 'pino';
import type { AppDeps } from './app/context.js';
import { createUserDirectory } from './app/userDirectory.js';
import type { AppConfig, LOG_LEVELS } from './config/config.js';
import { redactConfig } from './config/redact.js';
import { migrate } from './db/migrate.js';
import { openDatabase } from './db/openDatabase.js';
import { assertApplicationRole } from './db/assertApplicationRole.js';
import { createCommandPool } from './db/commandPool.js';
import { createDatabasePool } from './db/pool.js';
import { ledgerLoggerOptions } from './http/hardening/logOptions.js';
import { buildServer } from './http/server.js';
import { createIdentityFromConfig } from './identity/identityFromConfig.js';
import { dailyReportsConsumer } from '../projections/reports/dailyReports.js';
import { composeLedger } from './composition.js';
import { checkpointSignerFromConfig } from './audit/checkpointSignerFromConfig.js';
import { verifyingKeyOf } from './audit/checkpointSigning.js';
import { startConsumers } from './consumers/startConsumers.js';
import { startJobWorker } from './jobs/jobWorker.js';

export type RunningLedger = {
  readonly server: FastifyInstance;
  readonly url: string;
  stop(): Promise<void>;
};

export type Logger = { info(msg: string): void; warn(msg: string): void; error(msg: string, err?: unknown): void };

/** The process's one logger: the `Logger` start-up, jobs and consumers write to, and the pino instance the HTTP server logs through. */
export type LedgerLogger = Logger & { readonly pino: PinoLogger };

export type LogLevel = (typeof LOG_LEVELS)[number];

/** `LOG_LEVEL`, or `info` (`warn` under NODE_ENV=test, so test runs show only what went wrong). */
export function logLevelOf(config: Pick<AppConfig, 'logLevel' | 'nodeEnv'>): LogLevel {
  return config.logLevel ?? (config.nodeEnv === 'test' ? 'warn' : 'info');
}

/**
 * Made once per process (the server, a CLI command): JSON lines through the ledger's redaction
 * (logOptions.ts: no credentials, no customer personal data), to `destination` (stdout by default;
 * the CLI's commands use stderr, so stdout carries only their result). An error goes in `err`, as
 * one serialized field, never as a multi-line stack printed beside the line.
 */
export function createLedgerLogger(level: LogLevel, destination: 'stdout' | 'stderr' | DestinationStream = 'stdout'): LedgerLogger {
  const { stream: _noStream, ...options } = ledgerLoggerOptions({ level });
  const logger = pino(options, typeof destination === 'string' ? pino.destination(destination === 'stdout' ? 1 : 2) : destination);
  return {
    pino: logger,
    info: (msg) => logger.info(msg),
    warn: (msg) => logger.warn(msg),
    error: (msg, err) => (err === undefined ? logger.error(msg) : logger.error({ err }, msg)),
  };
}

/** The server: config → database → pools → identity → the composed ledger (composition.ts) → HTTP and job workers. */
export async function startLedger(config: AppConfig, log: LedgerLogger): Promise<RunningLedger> {
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
    const { role } = await assertApplicationRole(pool);
    log.info(`database role: ${role} (row-level security on every tenant table)`);
    const clock = () => new Date();
    const commands = createCommandPool(database.url);
    stopSteps.push(() => commands.end());
    await commands.transaction((tx) => assertApplicationRole(tx));
    const app: AppDeps = { pool, commands, clock, holdTtlSeconds: config.holdTtlSeconds };
    const identity = await createIdentityFromConfig(config);
    if (identity.mode === 'dev') log.warn(identity.description);
    else log.info(identity.description);
    const verifier = identity.verifier;
    const checkpointSigner = await checkpointSignerFromConfig(config);
    log.info(`ledger checkpoints are signed with Ed25519 key ${checkpointSigner.keyId}`);
    const ledger = composeLedger(app, { ...config, trustedCheckpointKey: verifyingKeyOf(checkpointSigner), checkpointSigner }, log);
    const server = await buildServer({
      verifier,
      users: createUserDirectory(pool, clock),
      loggerInstance: log.pino,
      routes: ledger.routes,
      metrics: ledger.metrics,
    });
    stopSteps.push(() => server.close());
    // Follow-up work and periodic jobs, once across every instance (ADR 0027).
    const jobs = await startJobWorker({
      connectionString: database.url,
      log,
      handlers: ledger.jobs,
      periodic: ledger.periodicJobs,
      onJobFailed: (task) => ledger.metrics.countJobFailure(task),
    });
    stopSteps.push(() => jobs.stop());
    ledger.metrics.watchJobQueue(() => jobs.queueDepth());
    // Asynchronous read models follow the log in commit order (issue 5: auditors and the backoffice).
    const consumers = await startConsumers(pool, [dailyReportsConsumer], {
      databaseUrl: database.url,
      onError: (error, consumer) => log.error(`consumer ${consumer}: batch failed, will retry`, error),
    });
    stopSteps.push(() => consumers.stop());
    // Pushed last, so run first: /readyz turns 503 before anything else stops.
    stopSteps.push(async () => {
      ledger.beginDraining();
    });
    const url = await server.listen({ host: config.host, port: config.port });
    log.info(`booking ledger listening on ${url}`);
    return { server, url, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
