import { erasePersonalDataPastRetention } from './app/erasePastRetention.js';
import { customerErasureRoutes } from './http/routes/customerErasure.js';
import { idempotencyFingerprints, keptEmailCopies, loginEmails, type PersonalDataScrubber } from './app/personalDataScrubbers.js';
import type { FastifyInstance } from 'fastify';
import { DAILY_REPORTS_CONSUMER, dailyReportsConsumer } from '../projections/reports/dailyReports.js';
import type { AppDeps, BaseDeps } from './app/context.js';
import type { ChangeReaction } from './app/command/reactions.js';
import { customerEmailReaction } from './app/customerEmails/customerEmailReaction.js';
import { sendCustomerEmail } from './app/customerEmails/sendCustomerEmail.js';
import { customerEmailRoutes } from './http/routes/customerEmails.js';
import type { Mailer } from './mail/mailer.js';
import { expireAllDueHolds, expireDueHolds, type ExpirySweep } from './app/expireHolds.js';
import { reconcilePayments, type ReconcileReport } from './app/payments/reconcile.js';
import { refundUnpayableSuccesses } from './app/payments/resolveAnomaly.js';
import { sendRefund } from './app/payments/sendRefund.js';
import { takeCheckpointIfDue } from './audit/checkpointsJob.js';
import type { CheckpointSigner, CheckpointVerifyingKey } from './audit/checkpointSigning.js';
import type { RouteGroups } from './http/server.js';
import { anomalyResolutionRoutes } from './http/routes/anomalyResolution.js';
import { auditRoutes } from './http/routes/audit.js';
import { auditVerifyRoutes } from './http/routes/auditVerify.js';
import { backofficeRoutes } from './http/routes/backoffice.js';
import { backofficeAppRoutes } from './http/routes/backofficeApp.js';
import type { BackofficeSignIn } from './identity/backofficeSignIn.js';
import { docsRoutes } from './http/routes/docs.js';
import { healthRoutes } from './http/routes/health.js';
import { metricsRoutes } from './http/routes/metrics.js';
import { paymentReconciliationRoutes } from './http/routes/paymentReconciliation.js';
import { paymentRoutes } from './http/routes/payments.js';
import { publicAvailabilityRoutes } from './http/routes/publicAvailability.js';
import { reportRoutes } from './http/routes/reports.js';
import { reservationRoutes } from './http/routes/reservations.js';
import { activityRoutes } from './http/routes/activities.js';
import { slotRoutes } from './http/routes/slots.js';
import { webhookRoutes } from './http/routes/webhooks.js';
import { panelDeliveryRoutes } from './http/routes/panelDeliveries.js';
import { panelPushReaction } from './app/panel/panelPushReaction.js';
import { createPushSweeper, recordAndPush } from './app/panel/pushToPanel.js';
import { comparePanelBookings } from './app/panel/comparePanelBookings.js';
import { countPushes } from './app/panel/panelDeliveries.js';
import type { ActivityPanel } from './panel/panel.js';
import { webhookEndpointRoutes } from './http/routes/webhookEndpoints.js';
import type { Consumer } from './consumers/consumer.js';
import type { HostResolver } from './webhooksOut/addressRule.js';
import { deliverLane } from './webhooksOut/deliverLane.js';
import { systemResolver } from './webhooksOut/systemResolver.js';
import { OUTGOING_WEBHOOKS_CONSUMER, outgoingWebhooksConsumer } from './webhooksOut/webhookFanOut.js';
import { panelSyncRoutes } from './http/routes/panelSync.js';
import { panelWebhookRoutes } from './http/routes/panelWebhook.js';
import { pullEveryAccount } from './app/panel/panelSync.js';
import { countOpenConflicts, readOldestPullAt } from '../projections/panelSync.js';
import type { JobHandlers, JobLog, PeriodicJob } from './jobs/jobWorker.js';
import { consumerLag } from './consumers/consumerLag.js';
import { MIRROR_CONSUMER } from './mirror/mirroredEvent.js';
import { type StartedMirror, startMirror } from './mirror/startMirror.js';
import { withSystemTransaction } from './db/transaction.js';
import { createLedgerMetrics, type LedgerMetrics } from './metrics/ledgerMetrics.js';
import { countOpenAnomalies } from '../projections/paymentView.js';
import type { PaymentProviders } from './payments/provider.js';
import { type PaymentsSettings, providersFromConfig } from './payments/providersFromConfig.js';

/** Holds are released within this many seconds of their time running out. */
const SWEEP_EVERY_SECONDS = 5;
/** How often the server asks providers about quiet open payments. */
const RECONCILE_EVERY_SECONDS = 60;
/** PII_RETENTION_DAYS is counted in days: one sweep a day erases what passed it. */
const RETENTION_EVERY_SECONDS = 86_400;
/** How often the checkpoint job looks whether a checkpoint is due (it takes one hourly). */
const CHECKPOINT_CHECK_EVERY_SECONDS = 300;
/** A payment quiet this long is asked about: webhooks normally arrive within seconds. */
const RECONCILE_AFTER_SECONDS = 300;
/** Pushes to the panel whose retry is due are sent within this many seconds (the first retry waits 1 s). */
const PANEL_PUSH_SWEEP_EVERY_SECONDS = 1;
/** The panel's `source: ledger` bookings are compared with the reservations once a day. */
const PANEL_COMPARE_EVERY_SECONDS = 24 * 3600;
/** A consumer further behind than this shows this many: the scrape's count stays cheap however far behind. */
const CONSUMER_LAG_COUNTED_UP_TO = 100_000;

export type LedgerSettings = PaymentsSettings & {
  /** EVENTSTORE_CONNECTION_STRING: with it, the mirror's lag is shown from before its first batch. */
  readonly eventStore?: { readonly connectionString?: string | undefined; readonly tenants?: readonly string[] | undefined };
  /** HOLD_MAX_SEATS_PER_CUSTOMER: unpaid seats one customer may hold on one slot at a time. */
  readonly holdMaxSeatsPerCustomer: number;
  /** The key auditors' verify checks checkpoint signatures against. */
  readonly trustedCheckpointKey: CheckpointVerifyingKey;
  /** Signs the checkpoints the `takeCheckpoint` job takes; without it the job is not run here. */
  readonly checkpointSigner?: CheckpointSigner;
  /** The activity panel (PANEL_*); without it panel sync is off: nothing pulled, pushed or accepted from it. */
  readonly panel?: PanelSettings | undefined;
  /** How the backoffice web app signs in; without it the app is served but says it cannot sign in. */
  readonly backofficeSignIn?: BackofficeSignIn;
  /**
   * Where customer e-mails go (SES, or files in development; `mailerFromConfig`). Without one, no
   * change calls for an e-mail: wirings that send none (tests of other parts, benches).
   */
  readonly mailer?: Mailer;
  /** NODE_ENV: outside production, outgoing webhooks may go to plain http and private addresses. Absent: production's rule. */
  readonly nodeEnv?: 'production' | 'development' | 'test';
  /** Resolves webhook endpoints' host names (the system's resolver unless given: tests inject one). */
  readonly webhookResolver?: HostResolver;
  /** PII_RETENTION_DAYS: customers whose departures are all older are erased by a daily job; absent, never by age. */
  readonly personalData?: { readonly retentionDays?: number | undefined };
};

export type PanelSettings = {
  /** The panel's adapter (`createHttpPanel` on PANEL_API_BASE and PANEL_API_KEY). */
  readonly adapter: ActivityPanel;
  /** PANEL_ACCOUNTS: panel account ids (= tenant ids) synced. */
  readonly accounts: readonly string[];
  /** PANEL_WEBHOOK_SECRET; without it every panel webhook is refused as unsigned. */
  readonly webhookSecret?: string;
  /** PANEL_SYNC_SECONDS; without it the panel is not pulled. */
  readonly syncSeconds?: number;
};

export type PaymentsReconciliation = ReconcileReport & {
  /** Succeeded payments whose reservation could not be paid, whose refund was now asked for. */
  readonly unpayableRefunded: number;
};

/** Everything the ledger does, wired: what the server serves and what its job workers run. */
export type Ledger = {
  /** The use cases' dependencies as wired here, with the reactions every change is followed by. */
  readonly app: AppDeps;
  readonly providers: PaymentProviders;
  readonly routes: RouteGroups;
  readonly jobs: JobHandlers;
  readonly periodicJobs: readonly PeriodicJob[];
  /** The readers of the global log the server runs beside its job workers. */
  readonly consumers: readonly Consumer[];
  /**
   * Releases every hold whose time is up: run at start, before listening, so that holds whose time
   * ran out while no server ran do not keep seats until the first periodic sweep. Safe on several
   * instances at once: each expiry is a command under its slot's lock, decided once. Holds with
   * open payments are left to the periodic sweep, which asks their providers (ADR 0040).
   */
  releaseExpiredHolds(): Promise<ExpirySweep>;
  /** The Prometheus series `/metrics` shows; the server and the job worker report into them. */
  readonly metrics: LedgerMetrics;
  /** Turns readiness (`/readyz`) to 503: the first step of a shutdown. */
  beginDraining(): void;
  /**
   * Starts the EventStoreDB/KurrentDB mirror when EVENTSTORE_CONNECTION_STRING is set (null otherwise),
   * reporting into `metrics`; `systemDatabaseUrl` is the system login, for its LISTEN connection.
   */
  startMirror(systemDatabaseUrl: string): Promise<StartedMirror | null>;
  /** One reconciliation run: the providers asked about quiet open payments, unpayable money given back. */
  reconcile(options?: { olderThanSeconds?: number; limit?: number }): Promise<PaymentsReconciliation>;
};

/**
 * The one composition root: every route group, every job and every adapter of the ledger is wired
 * here, from the use cases' dependencies and the settings. `startLedger` (the server), the CLI, the
 * OpenAPI client script and the tests all build the ledger through it, so they run the same wiring.
 */
export function composeLedger(base: BaseDeps, settings: LedgerSettings, log: JobLog): Ledger {
  // Work that follows every committed change, whoever makes it (ADR 0042).
  const { panel, mailer } = settings;
  const reactions: ChangeReaction[] = [...(mailer ? [customerEmailReaction] : []), ...(panel ? [panelPushReaction(panel.accounts)] : [])];
  // What else holds a copy derived from a customer's plaintext, scrubbed when they are erased (ADR 0048).
  const personalDataScrubbers: PersonalDataScrubber[] = [
    idempotencyFingerprints,
    loginEmails,
    // Only the development file mailer keeps copies (SES keeps none of ours).
    ...(mailer?.removeCopiesOf ? [keptEmailCopies({ removeCopiesOf: mailer.removeCopiesOf.bind(mailer) })] : []),
  ];
  const app: AppDeps = { ...base, reactions };
  const { providers, mercadopago } = providersFromConfig(settings);
  const onError = (message: string, error: unknown) => log.error(message, error);
  const panelSettings = settings.panel;
  const readPanelSync = async () => {
    if (!panelSettings) return {};
    const { oldest, openConflicts } = await withSystemTransaction(app.systemPool, async (tx) => ({
      oldest: await readOldestPullAt(tx),
      openConflicts: await countOpenConflicts(tx),
    }));
    const lagSeconds = oldest === null ? null : Math.max(0, Math.floor((app.clock().getTime() - Date.parse(oldest)) / 1000));
    return { panelSync: { lagSeconds, openConflicts } };
  };
  const metrics = createLedgerMetrics({
    pools: {
      queries: () => {
        const state = app.pool.state();
        return { inUse: state.acquiredConnections, idle: state.idleConnections, waiting: state.waitingClients };
      },
      commands: () => app.commands.usage(),
      system: () => {
        const state = app.systemPool.state();
        return { inUse: state.acquiredConnections, idle: state.idleConnections, waiting: state.waitingClients };
      },
    },
    readDatabase: async () => ({
      openAnomalies: await withSystemTransaction(app.systemPool, (tx) => countOpenAnomalies(tx)),
      consumerLag: await consumerLag(
        app.systemPool,
        [DAILY_REPORTS_CONSUMER, OUTGOING_WEBHOOKS_CONSUMER, ...(settings.eventStore?.connectionString ? [MIRROR_CONSUMER] : [])],
        { countAtMost: CONSUMER_LAG_COUNTED_UP_TO },
      ),
      ...(panel ? { panelPushes: await withSystemTransaction(app.systemPool, (tx) => countPushes(tx)) } : {}),
      ...(await readPanelSync()),
    }),
    onReadFailed: (error) => log.error('metrics: the database could not be read', error),
  });

  const reconcile: Ledger['reconcile'] = async (options = {}) => {
    // Provider answers first: one of them may be the success that makes an anomaly in the first place.
    // The refunds it asks for are jobs, sent once its commands have committed.
    const report = await reconcilePayments(app, providers, { ...options, onError });
    for (const outcome of ['applied', 'anomalies', 'unchanged', 'failed'] as const)
      metrics.countReconciliations(outcome === 'anomalies' ? 'anomaly' : outcome, report[outcome]);
    const unpayableRefunded = await refundUnpayableSuccesses(app, { onError });
    return { ...report, unpayableRefunded };
  };

  const webhookTargets = {
    rule: { production: (settings.nodeEnv ?? 'production') === 'production' },
    resolve: settings.webhookResolver ?? systemResolver,
  };
  const v1 = [
    (scope: FastifyInstance) => slotRoutes(scope, app),
    (scope: FastifyInstance) => activityRoutes(scope, app),
    (scope: FastifyInstance) => reservationRoutes(scope, app, { holdMaxSeatsPerCustomer: settings.holdMaxSeatsPerCustomer }),
    (scope: FastifyInstance) => auditRoutes(scope, app),
    (scope: FastifyInstance) => auditVerifyRoutes(scope, app.systemPool, settings.trustedCheckpointKey),
    (scope: FastifyInstance) => reportRoutes(scope, app.pool),
    paymentRoutes(app, providers),
    backofficeRoutes(app),
    anomalyResolutionRoutes(app),
    paymentReconciliationRoutes(app, providers),
    panelDeliveryRoutes(app),
    customerEmailRoutes(app),
    webhookEndpointRoutes({ pool: app.pool, clock: app.clock, ...webhookTargets }),
    customerErasureRoutes(app, personalDataScrubbers),
    panelSyncRoutes(app, { enabled: panelSettings !== undefined }),
  ];
  let draining = false;
  const root = [
    (scope: FastifyInstance) => healthRoutes(scope, app.pool, { isDraining: () => draining }),
    (scope: FastifyInstance) => metricsRoutes(scope, metrics),
    (scope: FastifyInstance) => docsRoutes(scope),
    (scope: FastifyInstance) => publicAvailabilityRoutes(scope, app),
    (scope: FastifyInstance) =>
      backofficeAppRoutes(scope, {
        signIn: settings.backofficeSignIn ?? {
          mode: 'unavailable',
          reason: 'this server was started without a sign-in for the backoffice',
        },
        log,
      }),
    webhookRoutes(app, {
      stripe: { webhookSecret: settings.stripe.webhookSecret },
      mercadopago: { webhookSecret: settings.mercadopago.webhookSecret, fetchPayment: mercadopago?.fetchPayment },
      countOutcome: (provider, outcome) => metrics.countWebhook(provider, outcome),
    }),
    panelWebhookRoutes(app, { webhookSecret: panelSettings?.webhookSecret, accounts: panelSettings?.accounts ?? [] }),
  ];

  const { checkpointSigner } = settings;
  const sweepPanelPushes = panel ? createPushSweeper({ ...app, panel: panel.adapter }) : null;
  const retentionDays = settings.personalData?.retentionDays;
  const jobs: JobHandlers = {
    sendRefund: async (payload) => {
      await sendRefund(app, providers, payload);
    },
    deliverWebhooks: async (payload) => {
      await deliverLane({ systemPool: app.systemPool, clock: app.clock, ...webhookTargets }, payload);
    },
    expireDueHolds: async () => {
      await expireDueHolds(app, providers, { onError });
    },
    reconcilePayments: async () => {
      const report = await reconcile({ olderThanSeconds: RECONCILE_AFTER_SECONDS });
      if (report.checked > 0 || report.unpayableRefunded > 0) log.info(`payment reconciliation: ${JSON.stringify(report)}`);
    },
    ...(checkpointSigner
      ? {
          takeCheckpoint: async () => {
            const checkpoint = await takeCheckpointIfDue(app.systemPool, checkpointSigner, app.clock);
            // The hash in the log is an anchor outside the database: logs are shipped elsewhere.
            if (checkpoint) log.info(`ledger checkpoint ${checkpoint.id}: ${checkpoint.streamCount} streams, ${checkpoint.hash}`);
          },
        }
      : {}),
    ...(panel && sweepPanelPushes
      ? {
          pushToPanel: async (payload) => {
            const outcome = await recordAndPush({ ...app, panel: panel.adapter }, payload);
            if (outcome !== 'nothing' && outcome !== 'busy') metrics.countPanelPush(outcome);
          },
          sendDuePanelPushes: async () => {
            const counts = await sweepPanelPushes();
            for (const outcome of ['sent', 'conflict', 'retry', 'failed'] as const)
              if (counts && counts[outcome] > 0) metrics.countPanelPush(outcome, counts[outcome]);
          },
          comparePanelBookings: async () => {
            for (const report of await comparePanelBookings({ ...app, panel: panel.adapter }, panel.accounts))
              log.info(`panel comparison: ${JSON.stringify({ ...report, differences: report.differences.length })}`);
          },
        }
      : {}),
    ...(mailer
      ? {
          sendCustomerEmail: async (payload) => {
            await sendCustomerEmail({ systemPool: app.systemPool, clock: app.clock, personalData: app.personalData, mailer }, payload);
          },
        }
      : {}),
    ...(retentionDays === undefined
      ? {}
      : {
          erasePersonalDataPastRetention: async () => {
            const sweep = await erasePersonalDataPastRetention(app, retentionDays, personalDataScrubbers);
            if (sweep.customers > 0) log.info(`personal data retention: ${JSON.stringify(sweep)}`);
          },
        }),
    ...(panelSettings?.syncSeconds !== undefined
      ? {
          pullPanel: async () => {
            await pullEveryAccount({ app, panel: panelSettings.adapter, accounts: panelSettings.accounts }, log);
          },
        }
      : {}),
  };
  const periodicJobs: PeriodicJob[] = [
    { task: 'expireDueHolds', everySeconds: SWEEP_EVERY_SECONDS },
    { task: 'reconcilePayments', everySeconds: RECONCILE_EVERY_SECONDS },
    ...(checkpointSigner ? [{ task: 'takeCheckpoint' as const, everySeconds: CHECKPOINT_CHECK_EVERY_SECONDS }] : []),
    ...(panel
      ? [
          { task: 'sendDuePanelPushes' as const, everySeconds: PANEL_PUSH_SWEEP_EVERY_SECONDS },
          { task: 'comparePanelBookings' as const, everySeconds: PANEL_COMPARE_EVERY_SECONDS },
        ]
      : []),
    ...(retentionDays === undefined ? [] : [{ task: 'erasePersonalDataPastRetention' as const, everySeconds: RETENTION_EVERY_SECONDS }]),
    ...(panelSettings?.syncSeconds !== undefined ? [{ task: 'pullPanel' as const, everySeconds: panelSettings.syncSeconds }] : []),
  ];

  const beginDraining = () => {
    draining = true;
  };
  // No provider calls before listening: holds with open payments are closed by the periodic sweep.
  const releaseExpiredHolds = () => expireAllDueHolds(app, providers, { onError, closeOpenPayments: false });
  const consumers = [dailyReportsConsumer, outgoingWebhooksConsumer];
  const startLedgerMirror: Ledger['startMirror'] = async (systemDatabaseUrl) => {
    const { connectionString, tenants } = settings.eventStore ?? {};
    if (!connectionString) return null;
    return startMirror(
      app.systemPool,
      systemDatabaseUrl,
      { connectionString, tenants },
      { log, progress: { appended: (events) => metrics.countMirrored(events), halted: () => metrics.markMirrorHalted() } },
    );
  };
  return {
    app,
    providers,
    routes: { root, v1 },
    jobs,
    periodicJobs,
    metrics,
    reconcile,
    releaseExpiredHolds,
    beginDraining,
    consumers,
    startMirror: startLedgerMirror,
  };
}
