import { benchDeps } from './benchDeps.js';
import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../../src/app/context.js';
import { pullPanelAccount } from '../../src/app/panel/pullPanel.js';
import { createUserDirectory } from '../../src/app/userDirectory.js';
import { createCommandPool } from '../../src/db/commandPool.js';
import { createDatabasePool } from '../../src/db/pool.js';
import { SYSTEM_ROLE } from '../../src/db/roles.js';
import { panelWebhookRoutes } from '../../src/http/routes/panelWebhook.js';
import { buildServer } from '../../src/http/server.js';
import { createTestTokenVerifier, type TestIdentity } from '../../src/identity/testing/tokens.js';
import { createHttpPanel } from '../../src/panel/httpPanel.js';
import { type PanelWebhook, startFakePanel } from '../support/panel/fakePanel.js';
import type { BenchCluster } from './cluster.js';
import { type Check, type Figure, progress, summarize } from './figures.js';

/**
 * Issue 15's figures for the panel coming in, against the loopback panel over HTTP (PANEL.md):
 *  - the first import of BENCH_PANEL_DEPARTURES (default 5,000) departures, paged by the panel
 *    (500 a page), each a command into its slot (target < 10 s);
 *  - a panel booking's webhook, answered once its seats are taken (the answer comes after the
 *    commit): BENCH_PANEL_BOOKINGS (default 200) deliveries one after another, p50/p99 and the
 *    slowest (target: each within a second).
 */

const TENANT = 'tenant-panel';
const DEPARTURES = Number(process.env.BENCH_PANEL_DEPARTURES ?? '5000');
const BOOKINGS = Number(process.env.BENCH_PANEL_BOOKINGS ?? '200');
const IMPORT_TARGET_MS = 10_000;
const BOOKING_TARGET_MS = 1_000;
const DAY_MS = 86_400_000;

export async function benchPanel(cluster: BenchCluster, identity: TestIdentity): Promise<{ figures: Figure[]; checks: Check[] }> {
  const figures: Figure[] = [];
  const checks: Check[] = [];
  const database = 'bench_panel';
  const url = await cluster.createMigratedDatabase(database);
  const pool = await createDatabasePool(url, { maximumPoolSize: 8 });
  const commands = createCommandPool(url, { maximumPoolSize: 8 });
  const systemPool = await createDatabasePool(url, { maximumPoolSize: 2, role: SYSTEM_ROLE });
  const panel = await startFakePanel({ pageSize: 500 });
  let server: FastifyInstance | undefined;
  try {
    const deps: AppDeps = { ...benchDeps({ pool, systemPool, commands }), reactions: [] };
    const now = Date.now();
    panel.defineActivity(TENANT, { activityId: 'tour', name: 'Tour', timeZone: 'America/Sao_Paulo' });
    for (let i = 0; i < DEPARTURES; i++) {
      panel.saveDeparture(TENANT, {
        departureId: `d${i}`,
        activityId: 'tour',
        startsAt: new Date(now + (1 + (i % 300)) * DAY_MS + i * 1000).toISOString(),
        capacity: 20,
        price: { amount: 4500, currency: 'BRL' },
        status: 'open',
      });
    }

    progress(`panel: importing ${DEPARTURES} departures`);
    const httpPanel = createHttpPanel({ baseUrl: panel.url, apiKey: panel.apiKey });
    const importStarted = performance.now();
    const report = await pullPanelAccount({ app: deps, panel: httpPanel, onRefused: (message) => progress(message) }, TENANT);
    const importMs = performance.now() - importStarted;
    figures.push({ name: 'panel_import_departures', value: Math.round(importMs), unit: 'ms', departures: DEPARTURES });
    checks.push({
      name: 'panel_import_under_10s',
      ok: importMs < IMPORT_TARGET_MS && report.applied === DEPARTURES + 1 && report.refused === 0,
      import_ms: Math.round(importMs),
      applied: report.applied,
    });

    server = await buildServer({
      verifier: createTestTokenVerifier(identity),
      users: createUserDirectory(pool, deps.clock),
      routes: { root: [panelWebhookRoutes(deps, { webhookSecret: panel.webhookSecret, accounts: [TENANT] })], v1: [] },
      rateLimits: { booking: false, webhooks: false },
    });
    const base = await server.listen({ host: '127.0.0.1', port: 0 });
    progress(`panel: ${BOOKINGS} booking webhooks`);
    const latencies: number[] = [];
    let applied = 0;
    for (let i = 0; i < BOOKINGS; i++) {
      const event = panel.bookAtDesk(TENANT, { bookingId: `b${i}`, departureId: `d${i % DEPARTURES}`, seats: 2 }) as PanelWebhook;
      const started = performance.now();
      const answer = await panel.deliver(base, event);
      latencies.push(performance.now() - started);
      if (answer.status === 200 && (answer.body as { outcome?: string }).outcome === 'applied') applied += 1;
    }
    const summary = summarize(latencies);
    const slowest = Math.max(...latencies);
    figures.push({ name: 'panel_booking_webhook', value: summary.p99_ms, unit: 'ms', ...summary, slowest_ms: slowest });
    checks.push({
      name: 'panel_booking_within_a_second',
      ok: applied === BOOKINGS && slowest < BOOKING_TARGET_MS,
      applied,
      slowest_ms: slowest,
    });
  } finally {
    await server?.close();
    await panel.close();
    await commands.end();
    await systemPool.end();
    await pool.end();
    await cluster.query('postgres', `DROP DATABASE IF EXISTS ${database} WITH (FORCE)`).catch(() => undefined);
  }
  return { figures, checks };
}
