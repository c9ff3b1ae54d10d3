import { keyWrapperFromConfig } from './privacy/keyWrapperFromConfig.js';
import { createPersonalData } from './privacy/personalData.js';
import type { FastifyInstance } from 'fastify';
import { type DestinationStream, pino, type Logger as PinoLogger } from 'pino';
import type { BaseDeps } from './app/context.js';
import { createUserDirectory } from './app/userDirectory.js';
import { allowedBrowserOrigins, type AppConfig, type LOG_LEVELS } from './config/config.js';
import { redactConfig } from './config/redact.js';
import { openDatabase } from './db/openDatabase.js';
import { assertApplicationRole } from './db/assertApplicationRole.js';
import { assertSafeLogin } from './db/assertSafeLogin.js';
import { APP_ROLE, SYSTEM_ROLE } from './db/roles.js';
import { createCommandPool } from './db/commandPool.js';
import { createDatabasePool } from './db/pool.js';
import { ledgerLoggerOptions } from './http/hardening/logOptions.js';
import { buildServer } from './http/server.js';
import { createIdentityFromConfig } from './identity/identityFromConfig.js';
import { backofficeSignInFor } from './identity/backofficeSignIn.js';
import { composeLedger } from './composition.js';
import { mailerFromConfig } from './mail/mailerFromConfig.js';
import { createHttpPanel } from './panel/httpPanel.js';
import { checkpointSignerFromConfig } from './audit/checkpointSignerFromConfig.js';
import { verifyingKeyOf } from './audit/checkpointSigning.js';
import { startConsumers } from './consumers/startConsumers.js';
import { startJobWorker } from './jobs/jobWorker.js';
import { createStopSequence } from './lifecycle/stopSequence.js';

export type RunningLedger = {
  readonly server: FastifyInstance;
  readonly url: string;
  /**
   * Stops in this order: /readyz answers 503, the server takes no new connections and finishes the
   * requests in flight, the consumers and the job worker stop, the pools end, and the embedded
   * cluster (when this process started it) stops last. Runs once, however often called.
   */
  stop(): Promise<void>;
  /** What `stop` has not finished yet, in order: what a shutdown past its deadline names. */
  stillStopping(): readonly string[];
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
  // Before the database: a missing shared key must stop a replica before it touches anything.
  const checkpointSigner = await checkpointSignerFromConfig(config);
  const personalDataKeys = await keyWrapperFromConfig(config);
  const database = await openDatabase({ ...config, whenClusterRunning: 'refuse', log });
  // Each part is added once started, and stopped before every part started earlier (stopSequence.ts).
  const stopping = createStopSequence();
  stopping.add('database', () => database.close());
  try {
    log.info(`database: ${database.description}`);
    const migrated = await database.migrate();
    if (migrated === null) log.info('migrations: left to `ledger migrate` (no MIGRATION_DATABASE_URL here)');
    else log.info(`migrations: ${migrated.applied.length} applied, ${migrated.alreadyApplied} already in place`);
    const { logins } = database;
    const appLogin = { role: APP_ROLE, source: config.databaseUrl ? 'DATABASE_URL' : 'the embedded cluster' };
    const systemLogin = { role: SYSTEM_ROLE, source: config.databaseUrl ? 'SYSTEM_DATABASE_URL' : 'the embedded cluster' };
    const pool = await createDatabasePool(logins.app);
    stopping.add('database pool', () => pool.end());
    // Sessions that log in as a superuser or the owner could drop their role (ADR 0034): refused everywhere, not only in production.
    await assertSafeLogin(pool, appLogin);
    const { role } = await assertApplicationRole(pool);
    log.info(`database role: ${role} (row-level security on every tenant table)`);
    const systemPool = await createDatabasePool(logins.system, { maximumPoolSize: 6, role: SYSTEM_ROLE });
    stopping.add('system pool', () => systemPool.end());
    await assertSafeLogin(systemPool, systemLogin);
    const clock = () => new Date();
    const commands = createCommandPool(logins.app);
    stopping.add('command pool', () => commands.end());
    await commands.transaction(async (tx) => {
      await assertSafeLogin(tx, appLogin);
      return assertApplicationRole(tx);
    });
    const app: BaseDeps = {
      pool,
      systemPool,
      commands,
      clock,
      holdTtlSeconds: config.holdTtlSeconds,
      paymentGraceSeconds: config.paymentGraceSeconds,
      personalData: createPersonalData(pool, personalDataKeys),
    };
    log.info(`customers' data keys are wrapped by ${personalDataKeys.name}`);
    const identity = await createIdentityFromConfig(config);
    if (identity.mode === 'dev') log.warn(identity.description);
    else log.info(identity.description);
    const verifier = identity.verifier;
    log.info(`ledger checkpoints are signed with Ed25519 key ${checkpointSigner.keyId}`);
    const backofficeSignIn = backofficeSignInFor(identity, config);
    if (backofficeSignIn.mode === 'dev')
      log.warn('backoffice: DEV sign-in form enabled (POST /backoffice/sign-in/dev-token signs tokens with the local dev key)');
    else if (backofficeSignIn.mode === 'unavailable') log.warn(`backoffice: cannot sign in: ${backofficeSignIn.reason}`);
    const mailer = mailerFromConfig(config, log);
    if (mailer.channel === 'file') log.warn(`customer e-mails: no SES_FROM_ADDRESS, written as .eml files under ${config.dataDir}/mail`);
    if (config.panelApi)
      log.info(`panel sync: on for ${config.panelApi.accounts.length} account(s), pulled every ${config.panelApi.syncSeconds} s`);
    else
      log.info(
        'panel sync: off (set PANEL_API_BASE, PANEL_API_KEY, PANEL_WEBHOOK_SECRET and PANEL_ACCOUNTS to sync with an activity panel)',
      );
    const panel = config.panelApi
      ? {
          adapter: createHttpPanel({ baseUrl: config.panelApi.apiBase, apiKey: config.panelApi.apiKey }),
          accounts: config.panelApi.accounts,
          webhookSecret: config.panelApi.webhookSecret,
          syncSeconds: config.panelApi.syncSeconds,
        }
      : undefined;
    const ledger = composeLedger(
      app,
      { ...config, panel, trustedCheckpointKey: verifyingKeyOf(checkpointSigner), checkpointSigner, backofficeSignIn, mailer },
      log,
    );
    // Follow-up work and periodic jobs, once across every instance (ADR 0027).
    const jobs = await startJobWorker({
      connectionString: logins.system,
      log,
      handlers: ledger.jobs,
      periodic: ledger.periodicJobs,
      onJobFailed: (task) => ledger.metrics.countJobFailure(task),
    });
    stopping.add('job worker', () => jobs.stop());
    ledger.metrics.watchJobQueue(() => jobs.queueDepth());
    // The log's readers follow it in commit order: the daily reports (issue 5) and the outgoing webhooks' fan-out (ADR 0044).
    const consumers = await startConsumers(systemPool, ledger.consumers, {
      databaseUrl: logins.system,
      onError: (error, consumer) => log.error(`consumer ${consumer}: a batch or its LISTEN connection failed, will retry`, error),
      onListenerRestored: (consumer, attempt) => log.info(`consumer ${consumer}: listening for commits again (try ${attempt})`),
    });
    stopping.add('consumers', () => consumers.stop());
    // The EventStoreDB/KurrentDB mirror, when configured, follows the log like the consumers (ADR 0047).
    const mirror = await ledger.startMirror(logins.system);
    if (mirror) stopping.add('EventStoreDB mirror', () => mirror.stop());
    const server = await buildServer({
      verifier,
      users: createUserDirectory(pool, clock),
      loggerInstance: log.pino,
      routes: ledger.routes,
      metrics: ledger.metrics,
      corsOrigins: allowedBrowserOrigins(config),
    });
    // Started after the workers, so stopped before them: requests in flight may still queue jobs.
    stopping.add('HTTP requests in flight', () => server.close());
    stopping.add('readiness', async () => ledger.beginDraining());
    const released = await ledger.releaseExpiredHolds();
    if (released.expired > 0) log.info(`hold expiry at start: ${released.expired} hold(s) whose time ran out while no server ran released`);
    const url = await server.listen({ host: config.host, port: config.port });
    log.info(`booking ledger listening on ${url}`);
    return { server, url, stop: () => stopping.run(), stillStopping: () => stopping.pending() };
  } catch (error) {
    // The start's own error is the one to report; a failure to stop what had started is logged beside it.
    await stopping.run().catch((stopFailed: unknown) => log.error('stopping what had started failed too', stopFailed));
    throw error;
  }
}
