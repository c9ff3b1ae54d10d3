import type { FastifyInstance } from 'fastify';
import type { AppDeps } from './app/context.js';
import { expireDueHolds } from './app/expireHolds.js';
import { createUserDirectory } from './app/userDirectory.js';
import type { AppConfig } from './config/config.js';
import { redactConfig } from './config/redact.js';
import { migrate } from './db/migrate.js';
import { openDatabase } from './db/openDatabase.js';
import { assertApplicationRole } from './db/assertApplicationRole.js';
import { createCommandPool } from './db/commandPool.js';
import { createDatabasePool } from './db/pool.js';
import { ledgerLoggerOptions } from './http/hardening/logOptions.js';
import { buildServer } from './http/server.js';
import { createIdentityFromConfig } from './identity/identityFromConfig.js';
import { DAILY_REPORTS_CONSUMER, dailyReportsConsumer } from '../projections/reports/dailyReports.js';
import { checkpointSignerFromConfig } from './audit/checkpointSignerFromConfig.js';
import { verifyingKeyOf } from './audit/checkpointSigning.js';
import { takeCheckpointIfDue } from './audit/checkpointsJob.js';
import { startConsumers } from './consumers/startConsumers.js';
import { startJobWorker } from './jobs/jobWorker.js';
import { auditAndReportsPlugins } from './http/routes/auditAndReportsPlugins.js';
import { createPaymentsModule } from './payments/module.js';

export type RunningLedger = {
  readonly server: FastifyInstance;
  readonly url: string;
  stop(): Promise<void>;
};

export type Logger = { info(msg: string): void; warn(msg: string): void; error(msg: string, err?: unknown): void };

/** Holds are released within this many seconds of their time running out. */
const SWEEP_EVERY_SECONDS = 5;
/** How often the server asks providers about quiet open payments. */
const RECONCILE_EVERY_SECONDS = 60;
/** How often the checkpoint job looks whether a checkpoint is due (it takes one hourly). */
const CHECKPOINT_CHECK_EVERY_SECONDS = 300;
/** A payment quiet this long is asked about: webhooks normally arrive within seconds. */
const RECONCILE_AFTER_SECONDS = 300;

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
    const auditAndReports = auditAndReportsPlugins(pool, [DAILY_REPORTS_CONSUMER], verifyingKeyOf(checkpointSigner));
    const payments = createPaymentsModule(app, config, (message, error) => log.error(message, error));
    const server = await buildServer({
      app,
      verifier,
      users: createUserDirectory(pool, clock),
      logger: ledgerLoggerOptions({ level: config.nodeEnv === 'test' ? 'warn' : 'info' }),
      v1Plugins: [...auditAndReports.v1Plugins, ...(payments.serverDeps.v1Plugins ?? [])],
      rootPlugins: [...auditAndReports.rootPlugins, ...(payments.serverDeps.rootPlugins ?? [])],
    });
    stopSteps.push(() => server.close());
    // Follow-up work and periodic jobs, once across every instance (ADR 0027).
    const jobs = await startJobWorker({
      connectionString: database.url,
      log,
      handlers: {
        sendRefund: (payload) => payments.sendRefund(payload),
        expireDueHolds: async () => {
          await expireDueHolds(app);
        },
        reconcilePayments: async () => {
          const report = await payments.reconcile({ olderThanSeconds: RECONCILE_AFTER_SECONDS });
          if (report.checked > 0) log.info(`payment reconciliation: ${JSON.stringify(report)}`);
        },
        takeCheckpoint: async () => {
          const checkpoint = await takeCheckpointIfDue(pool, checkpointSigner, clock);
          // The hash in the log is an anchor outside the database: logs are shipped elsewhere.
          if (checkpoint) log.info(`ledger checkpoint ${checkpoint.id}: ${checkpoint.streamCount} streams, ${checkpoint.hash}`);
        },
      },
      periodic: [
        { task: 'expireDueHolds', everySeconds: SWEEP_EVERY_SECONDS },
        { task: 'reconcilePayments', everySeconds: RECONCILE_EVERY_SECONDS },
        { task: 'takeCheckpoint', everySeconds: CHECKPOINT_CHECK_EVERY_SECONDS },
      ],
    });
    stopSteps.push(() => jobs.stop());
    // Asynchronous read models follow the log in commit order (issue 5: auditors and the backoffice).
    const consumers = await startConsumers(pool, [dailyReportsConsumer], {
      databaseUrl: database.url,
      onError: (error, consumer) => log.error(`consumer ${consumer}: batch failed, will retry`, error),
    });
    stopSteps.push(() => consumers.stop());
    const url = await server.listen({ host: config.host, port: config.port });
    log.info(`booking ledger listening on ${url}`);
    return { server, url, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
