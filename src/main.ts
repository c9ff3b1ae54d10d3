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
import { startCheckpointJob } from './audit/checkpointsJob.js';
import { startConsumers } from './consumers/startConsumers.js';
import { startPeriodic } from './jobs/periodic.js';
import { auditAndReportsPlugins } from './http/routes/auditAndReportsPlugins.js';
import { createPaymentsModule } from './payments/module.js';

export type RunningLedger = {
  readonly server: FastifyInstance;
  readonly url: string;
  stop(): Promise<void>;
};

export type Logger = { info(msg: string): void; warn(msg: string): void; error(msg: string, err?: unknown): void };

const SWEEP_INTERVAL_MS = 5_000;
/** How often the server asks providers about quiet open payments, and refunds still to send. */
const RECONCILE_INTERVAL_MS = 60_000;
const REFUND_DISPATCH_INTERVAL_MS = 15_000;
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
      ...(payments.serverDeps.afterCancel ? { afterCancel: payments.serverDeps.afterCancel } : {}),
    });
    stopSteps.push(() => server.close());
    // One run at a time per job: a slow sweep or provider must not pile up overlapping runs.
    const periodic = (name: string, intervalMs: number, run: () => Promise<unknown>) => {
      const job = startPeriodic(intervalMs, run, (error) => log.error(`${name} failed`, error));
      stopSteps.push(() => job.stop());
    };
    periodic('hold expiry sweep', SWEEP_INTERVAL_MS, () => expireDueHolds(app));
    periodic('payment reconciliation', RECONCILE_INTERVAL_MS, () => payments.reconcile({ olderThanSeconds: RECONCILE_AFTER_SECONDS }));
    periodic('refund dispatch', REFUND_DISPATCH_INTERVAL_MS, () => payments.refunds.dispatchDue());
    stopSteps.push(() => payments.refunds.idle());
    // Asynchronous read models and the hourly signed checkpoint (issue 5: auditors and the backoffice).
    const consumers = await startConsumers(pool, [dailyReportsConsumer], {
      databaseUrl: database.url,
      onError: (error, consumer) => log.error(`consumer ${consumer}: batch failed, will retry`, error),
    });
    stopSteps.push(() => consumers.stop());
    const checkpoints = startCheckpointJob(pool, {
      signer: checkpointSigner,
      // The hash in the log is an anchor outside the database: logs are shipped elsewhere.
      onCreated: (checkpoint) => log.info(`ledger checkpoint ${checkpoint.id}: ${checkpoint.streamCount} streams, ${checkpoint.hash}`),
      onError: (error) => log.error('ledger checkpoint failed, will retry next interval', error),
    });
    stopSteps.push(() => checkpoints.stop());
    const url = await server.listen({ host: config.host, port: config.port });
    log.info(`booking ledger listening on ${url}`);
    return { server, url, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
