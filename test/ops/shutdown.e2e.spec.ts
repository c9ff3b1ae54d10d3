import { newPiiMasterKey } from '../support/personalData.js';
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { isProcessRunning } from '../../src/db/processRunning.js';
import { embeddedClusterUrl } from '../../src/db/embeddedPostgres.js';
import { embeddedClusterDir } from '../../src/db/openDatabase.js';
import { ensureDevIdentity, signDevToken } from '../../src/identity/devIdentity.js';
import { LEDGER_BIN } from '../cli/runLedgerCli.js';
import { createTestDatabase } from '../support/database.js';
import { type LedgerProcess, LOG_LEVEL, logged, type ServedLedger, type ServerLine, serveLedger, spawnLedger } from './servedLedger.js';

const HOLDS = 16;
const TENANT = 'tenant-shutdown';
/** API.md: SIGTERM ends the process (exit 0) within 10 s. */
const SHUTDOWN_DEADLINE_MS = 10_000;

const started: LedgerProcess[] = [];
const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const served of started.splice(0)) served.killGroup();
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function freshDataDir(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'ledger-shutdown-'));
  // mkdtemp makes the folder private to root; the embedded PostgreSQL runs as the `postgres` user.
  await chmod(dir, 0o755);
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

async function serve(command: string, args: readonly string[], variables: Record<string, string>): Promise<ServedLedger> {
  const served = await serveLedger(command, args, variables);
  started.push(served);
  return served;
}

async function call(url: string, token: string, method: string, route: string, body?: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(`${url}${route}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** A hold's answer, or the error of a socket closed under it. */
type HoldOutcome = { readonly status: number | 'socket error'; readonly body: Record<string, unknown> };

const isStopping = logged('SIGTERM: stopping');

const isHoldArrival = (line: ServerLine) => {
  const request = line.json?.req as { method?: string; url?: string } | undefined;
  return line.msg === 'incoming request' && request?.method === 'POST' && request.url === '/v1/reservations';
};

/**
 * Sends HOLDS concurrent holds on one slot whose availability row the test keeps locked, so that
 * none can finish; once the server has received every one of them, SIGTERMs `pid` and lets the
 * holds go on only after the server has begun to stop. Returns every hold's outcome (a status, or
 * the error of a socket that was closed under it) and how the process ended.
 */
async function holdsInFlightDuringShutdown(served: ServedLedger, dataDir: string, lockingUrl: string) {
  const identity = await ensureDevIdentity(dataDir);
  const admin = signDevToken(identity, { tenantId: TENANT, groups: ['admin'], sub: 'admin-1' });
  const slotId = randomUUID();
  const slot = await call(served.url, admin, 'PUT', `/v1/slots/${slotId}`, {
    activityId: 'kayak',
    startsAt: new Date(Date.now() + 7 * 24 * 3600 * 1000).toISOString(),
    capacity: HOLDS,
    unitPrice: { amount: 1000, currency: 'BRL' },
  });
  expect(slot.status).toBe(201);

  const locker = new pg.Client({ connectionString: lockingUrl });
  // A cluster stopped under the lock (what the old shutdown did) is a finding, not a crash of the test run.
  const lockerErrors: unknown[] = [];
  locker.on('error', (error) => lockerErrors.push(error));
  await locker.connect();
  await locker.query('BEGIN');
  const locked = await locker.query('SELECT 1 FROM slot_availability WHERE tenant_id = $1 AND slot_id = $2 FOR UPDATE', [TENANT, slotId]);
  expect(locked.rowCount).toBe(1);

  const holds = Array.from({ length: HOLDS }, async (_, index): Promise<HoldOutcome> => {
    const customer = signDevToken(identity, { tenantId: TENANT, groups: [], sub: `customer-${index}` });
    try {
      return await call(
        served.url,
        customer,
        'POST',
        '/v1/reservations',
        { slotId, seats: 1, customer: { name: `Customer ${index}`, email: `customer-${index}@example.com` } },
        { 'idempotency-key': randomUUID() },
      );
    } catch (error) {
      return { status: 'socket error', body: { error: String((error as Error).cause ?? error) } };
    }
  });

  // Every hold has reached the server (and waits for the slot's row lock): they are all in flight.
  const arrivals = () => served.lines.filter(isHoldArrival).length;
  await served.waitForLine(() => arrivals() === HOLDS, 20_000);
  const signalledAt = Date.now();
  process.kill(served.pid, 'SIGTERM');
  const stopping = await served.waitForLine(isStopping, 5_000).then(
    () => true,
    () => false,
  );
  await locker.query('ROLLBACK');
  await locker.end();

  const outcomes = await Promise.all(holds);
  const ended = await Promise.race([
    served.exited,
    new Promise<'still running'>((resolve) =>
      setTimeout(() => resolve('still running'), SHUTDOWN_DEADLINE_MS + 2_000 - (Date.now() - signalledAt)),
    ),
  ]);
  // The server's own time from the signal's log line to its "stopped" line (pino's `time`): what the
  // 10 s rule is about, without the test's own waits on a loaded machine (a hang is the race above).
  const signalLine = served.lines.findIndex(isStopping);
  const loggedAt = (line: ServerLine | undefined) => (typeof line?.json?.time === 'number' ? line.json.time : Number.NaN);
  const endedWithinMs = loggedAt(served.lines.find(logged('stopped'))) - loggedAt(served.lines[signalLine]);
  // A normal shutdown is quiet: after its first line, only log lines below warn (requests, "stopped");
  // anything at warn or above, or any output that is not a log line (a stack trace), is loud.
  const loudLinesAfterSignal = served.lines
    .slice(signalLine + 1)
    .filter((line) => line.level === null || line.level >= LOG_LEVEL.warn)
    .map((line) => line.text);
  return { slotId, admin, stopping, outcomes, ended, endedWithinMs, lockerErrors, loudLinesAfterSignal };
}

describe('SIGTERM while holds are in flight', () => {
  it('npm start (embedded PostgreSQL): every hold is answered 201, the cluster stops, exit 0, and the holds are there after a restart', async () => {
    const dataDir = await freshDataDir();
    const served = await serve('npm', ['start'], { LEDGER_DATA_DIR: dataDir });
    const clusterDir = embeddedClusterDir(dataDir);
    const [pidLine, , , portLine] = (await readFile(path.join(clusterDir, 'postmaster.pid'), 'utf8')).split('\n');
    const postmasterPid = Number(pidLine);

    const result = await holdsInFlightDuringShutdown(served, dataDir, embeddedClusterUrl(Number(portLine), 'postgres'));

    expect(result.stopping).toBe(true);
    expect(result.lockerErrors).toEqual([]);
    expect(result.outcomes.map((outcome) => outcome.status)).toEqual(Array(HOLDS).fill(201));
    expect(result.ended).toEqual({ code: 0, signal: null });
    expect(result.endedWithinMs).toBeLessThan(SHUTDOWN_DEADLINE_MS);
    expect(result.loudLinesAfterSignal).toEqual([]);
    expect(isProcessRunning(postmasterPid)).toBe(false);

    const restarted = await serve('npm', ['start'], { LEDGER_DATA_DIR: dataDir });
    for (const outcome of result.outcomes) {
      const reservation = await call(restarted.url, result.admin, 'GET', `/v1/reservations/${String(outcome.body.reservationId)}`);
      expect(reservation).toMatchObject({ status: 200, body: { slotId: result.slotId, seats: 1 } });
    }
    process.kill(restarted.pid, 'SIGTERM');
    expect(await restarted.exited).toEqual({ code: 0, signal: null });
  });

  it('node bin/ledger.js with DATABASE_URL: every hold is answered 201 and the process exits 0', async () => {
    const dataDir = await freshDataDir();
    const database = await createTestDatabase({ maximumPoolSize: 2 });
    cleanups.push(() => database.drop());
    const served = await serve(process.execPath, [LEDGER_BIN, 'serve'], {
      LEDGER_DATA_DIR: dataDir,
      DATABASE_URL: database.logins.app,
      SYSTEM_DATABASE_URL: database.logins.system,
      MIGRATION_DATABASE_URL: database.url,
      // Required with DATABASE_URL: replicas over one database sign checkpoints with one key.
      LEDGER_CHECKPOINT_SIGNING_KEY: generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      PII_MASTER_KEY: newPiiMasterKey(),
    });

    const result = await holdsInFlightDuringShutdown(served, dataDir, database.url);

    expect(result.stopping).toBe(true);
    expect(result.lockerErrors).toEqual([]);
    expect(result.outcomes.map((outcome) => outcome.status)).toEqual(Array(HOLDS).fill(201));
    expect(result.ended).toEqual({ code: 0, signal: null });
    expect(result.endedWithinMs).toBeLessThan(SHUTDOWN_DEADLINE_MS);
    expect(result.loudLinesAfterSignal).toEqual([]);
    const kept = await database.asOwner<{ held: number }>(
      `SELECT count(*)::int AS held FROM reservations_view WHERE tenant_id = $1 AND slot_id = $2 AND status = 'held'`,
      [TENANT, result.slotId],
    );
    expect(kept.rows[0]?.held).toBe(HOLDS);
  });

  it('npm start, signalled while it is still starting: the server stops once up, with its embedded cluster, exit 0', async () => {
    const dataDir = await freshDataDir();
    const starting = spawnLedger('npm', ['start'], { LEDGER_DATA_DIR: dataDir });
    started.push(starting);
    // The cluster runs from this line on; migrations and the rest of the start follow it.
    await starting.waitForLine(logged('database: embedded PostgreSQL'), 60_000);
    const postmasterPid = Number((await readFile(path.join(embeddedClusterDir(dataDir), 'postmaster.pid'), 'utf8')).split('\n')[0]);
    process.kill(starting.pid, 'SIGTERM');

    expect(await starting.exited).toEqual({ code: 0, signal: null });
    expect(starting.lines.map((line) => line.msg)).toContain('stopped');
    expect(isProcessRunning(postmasterPid)).toBe(false);
  });
});
