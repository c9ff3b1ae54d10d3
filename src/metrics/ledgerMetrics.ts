import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { PoolUsage } from '../db/commandPool.js';
import type { JobQueueDepth } from '../jobs/jobWorker.js';
import { cachedRead } from './cachedRead.js';

/** What the database says, read at most once per `DATABASE_READ_TTL_MS` however often `/metrics` is scraped. */
export type DatabaseReadings = {
  readonly openAnomalies: readonly { readonly provider: string; readonly anomaly: string; readonly count: number }[];
  readonly consumerLag: readonly { readonly name: string; readonly lag: number }[];
  /** Pushes to the activity panel waiting (queued) and given up on (failed), when a panel is synced. */
  readonly panelPushes?: { readonly queued: number; readonly failed: number };
  /** Only when panel sync is on: seconds since the oldest account's last complete pull (null before one), open conflicts. */
  readonly panelSync?: { readonly lagSeconds: number | null; readonly openConflicts: number };
};

export type MetricsSources = {
  readonly pools: Readonly<Record<string, () => PoolUsage>>;
  readonly readDatabase: () => Promise<DatabaseReadings>;
  /** A failed database read: the scrape still answers, with the in-process series and `ledger_metrics_database_read_ok 0`. */
  readonly onReadFailed: (error: unknown) => void;
};

export type LedgerMetrics = {
  /** One answered request: `route` is the route's pattern (`/v1/reservations/:id`), never the URL sent. */
  observeRequest(request: { method: string; route: string; status: number; seconds: number }): void;
  countWebhook(provider: string, outcome: string): void;
  countJobFailure(task: string): void;
  /** One try of a push to the activity panel, by what it came to (sent, conflict, retry, failed). */
  countPanelPush(outcome: string, count?: number): void;
  /** Payments reconciliation asked a provider about, by what the answer did (applied, anomaly, unchanged, failed). */
  countReconciliations(outcome: string, count: number): void;
  /** Events the EventStoreDB mirror appended (repeats it found already there are not counted). */
  countMirrored(events: number): void;
  /** The mirror stopped on a divergence (which stream is in the log: a stream name carries its tenant). */
  markMirrorHalted(): void;
  /** The job queue is read on the job worker's own connections, known only once it has started. */
  watchJobQueue(read: () => Promise<JobQueueDepth>): void;
  /** The Prometheus text exposition of every series. */
  render(): Promise<{ contentType: string; text: string }>;
};

/** A flood of scrapes costs the database one read per this many milliseconds at most. */
export const DATABASE_READ_TTL_MS = 5_000;

/**
 * The ledger's Prometheus series, on a registry of its own (not prom-client's global one, so
 * several ledgers in one process — tests — do not collide). No label carries a tenant, customer,
 * payment or URL: routes by pattern, providers, outcomes, tasks and consumers by name.
 */
export function createLedgerMetrics(sources: MetricsSources): LedgerMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'ledger_process_' });
  const labelled = <L extends string>(name: string, help: string, labelNames: readonly L[]) => ({
    name,
    help,
    labelNames,
    registers: [registry],
  });

  const requests = new Counter(
    labelled('ledger_http_requests_total', 'HTTP requests answered, by route pattern and status', ['method', 'route', 'status']),
  );
  const latency = new Histogram(
    labelled('ledger_http_request_duration_seconds', 'Time to answer an HTTP request, by route pattern and status', [
      'method',
      'route',
      'status',
    ]),
  );
  const webhooks = new Counter(
    labelled('ledger_webhooks_total', 'Provider webhook deliveries by provider and outcome', ['provider', 'outcome']),
  );
  const reconciliations = new Counter(
    labelled('ledger_payment_reconciliations_total', 'Open payments reconciliation asked a provider about, by outcome', ['outcome']),
  );
  const jobFailures = new Counter(labelled('ledger_job_failures_total', 'Failed runs of queued jobs (retried or not), by task', ['task']));
  const poolConnections = new Gauge(labelled('ledger_db_pool_connections', 'Database connections by pool and state', ['pool', 'state']));
  const poolWaiting = new Gauge(
    labelled('ledger_db_pool_waiting_requests', 'Requests waiting for a database connection, by pool', ['pool']),
  );
  const openAnomalies = new Gauge(
    labelled('ledger_open_anomalies', 'Payment anomalies not yet resolved, by provider and kind', ['provider', 'kind']),
  );
  const consumerLag = new Gauge(
    labelled('ledger_consumer_lag_events', 'Committed events an asynchronous consumer has yet to take', ['consumer']),
  );
  const jobQueue = new Gauge(
    labelled('ledger_job_queue_jobs', 'Queued jobs: due (or running), scheduled for later, failed (out of attempts)', ['state']),
  );
  const panelPushes = new Gauge(
    labelled(
      'ledger_panel_pushes',
      'Pushes of reservations to the activity panel: queued (waiting or retrying) and failed (for a person)',
      ['state'],
    ),
  );
  const panelPushTries = new Counter(
    labelled('ledger_panel_push_tries_total', 'Tries to push a reservation to the activity panel, by outcome', ['outcome']),
  );
  const mirrored = new Counter(labelled('ledger_mirror_events_total', 'Events the EventStoreDB mirror appended', []));
  const mirrorHalted = new Gauge(
    labelled('ledger_mirror_halted', '1 once the EventStoreDB mirror has stopped on a stream that diverges from the ledger', []),
  );
  const panelSyncLag = new Gauge(
    labelled('ledger_panel_sync_lag_seconds', 'Seconds since the activity panel was last pulled in full (oldest account)', []),
  );
  const panelOpenConflicts = new Gauge(
    labelled('ledger_panel_open_conflicts', 'Panel sync conflicts not yet acknowledged (all tenants)', []),
  );
  const readOk = new Gauge(labelled('ledger_metrics_database_read_ok', '1 when the last database read for these series succeeded', []));

  let readJobQueue: (() => Promise<JobQueueDepth>) | undefined;
  const databaseReadings = cachedRead(async () => {
    const [database, queue] = await Promise.all([sources.readDatabase(), readJobQueue?.()]);
    return { database, queue };
  }, DATABASE_READ_TTL_MS);

  const showPools = () => {
    for (const [pool, usage] of Object.entries(sources.pools)) {
      const { inUse, idle, waiting } = usage();
      poolConnections.set({ pool, state: 'in_use' }, inUse);
      poolConnections.set({ pool, state: 'idle' }, idle);
      poolWaiting.set({ pool }, waiting);
    }
  };

  const showDatabaseReadings = async () => {
    try {
      const { database, queue } = await databaseReadings();
      openAnomalies.reset();
      for (const { provider, anomaly, count } of database.openAnomalies) openAnomalies.set({ provider, kind: anomaly }, count);
      consumerLag.reset();
      for (const { name, lag } of database.consumerLag) consumerLag.set({ consumer: name }, lag);
      if (database.panelPushes) for (const [state, count] of Object.entries(database.panelPushes)) panelPushes.set({ state }, count);
      if (database.panelSync) {
        // Before the first complete pull the lag is unknown: no sample rather than a made-up number.
        if (database.panelSync.lagSeconds === null) panelSyncLag.reset();
        else panelSyncLag.set(database.panelSync.lagSeconds);
        panelOpenConflicts.set(database.panelSync.openConflicts);
      }
      if (queue) for (const [state, count] of Object.entries(queue)) jobQueue.set({ state }, count);
      readOk.set(1);
    } catch (error) {
      sources.onReadFailed(error);
      readOk.set(0);
    }
  };

  return {
    observeRequest({ method, route, status, seconds }) {
      const labels = { method, route, status: String(status) };
      requests.inc(labels);
      latency.observe(labels, seconds);
    },
    countWebhook: (provider, outcome) => webhooks.inc({ provider, outcome }),
    countJobFailure: (task) => jobFailures.inc({ task }),
    countPanelPush: (outcome, count = 1) => panelPushTries.inc({ outcome }, count),
    countReconciliations: (outcome, count) => reconciliations.inc({ outcome }, count),
    countMirrored: (events) => mirrored.inc(events),
    markMirrorHalted: () => mirrorHalted.set(1),
    watchJobQueue(read) {
      readJobQueue = read;
    },
    async render() {
      showPools();
      await showDatabaseReadings();
      return { contentType: registry.contentType, text: await registry.metrics() };
    },
  };
}
