import { randomUUID } from 'node:crypto';
import type { QuerySqlToken } from 'slonik';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { assertApplicationRole } from '../../src/db/assertApplicationRole.js';
import { sql } from '../../src/db/sql.js';
import { enterTenant, withSystemTransaction, withTransaction } from '../../src/db/transaction.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

/**
 * Row-level security (migration 0020, ADR 0014) against real PostgreSQL: the application's role
 * sees and writes only the tenant its transaction names, nothing without one, and can never
 * rewrite the event log; the system role sees every tenant.
 */

let db: TestDatabase;
const TENANT_A = `rls-a-${randomUUID().slice(0, 8)}`;
const TENANT_B = `rls-b-${randomUUID().slice(0, 8)}`;

/** One row per tenant in every tenant-owned table, written by the owner (who is not subject to RLS). */
const seeds: Record<string, string> = {
  events: `INSERT INTO events (tenant_id, stream_id, stream_version, event_id, type, data, recorded_at, prev_hash, hash)
    VALUES ($1, 'rls-probe', 1, gen_random_uuid(), 'Probe', '{}', now(), 'x', 'y')`,
  slot_availability: `INSERT INTO slot_availability (tenant_id, slot_id, activity_id, starts_at, capacity,
    unit_price_amount, unit_price_currency, version, head_hash, updated_at)
    VALUES ($1, 'rls-slot', 'a', now(), 1, 100, 'EUR', 1, repeat('0', 64), now())`,
  reservations_view: `INSERT INTO reservations_view (tenant_id, reservation_id, slot_id, seats, status, total_amount,
    total_currency, expires_at, customer_name, customer_email, owner_sub, version, created_at, updated_at, customer_email_key)
    VALUES ($1, gen_random_uuid(), 'rls-slot', 1, 'held', 100, 'EUR', now(), 'n', 'e@example.com', 's', 1, now(), now(), 'e@example.com')`,
  customer_slot_holds: `INSERT INTO customer_slot_holds (tenant_id, slot_id, owner_sub, held_seats) VALUES ($1, 'rls-slot', 's', 1)`,
  payments_view: `INSERT INTO payments_view (tenant_id, payment_id, reservation_id, provider, status, amount, currency,
    provider_payment_id, version, created_at, updated_at)
    VALUES ($1, gen_random_uuid(), gen_random_uuid(), 'stripe', 'pending', 100, 'EUR', 'pi_' || $1, 1, now(), now())`,
  idempotency_keys: `INSERT INTO idempotency_keys (tenant_id, subject, idempotency_key, request_method, request_path,
    request_hash, state, created_at) VALUES ($1, 's', 'k', 'POST', '/v1/reservations', 'h', 'in_flight', now())`,
  users: `INSERT INTO users (tenant_id, sub, first_seen, last_seen) VALUES ($1, $1 || '-user', now(), now())`,
  webhook_inbox: `INSERT INTO webhook_inbox (provider, provider_event_id, source, outcome, tenant_id, payload, received_at)
    VALUES ('stripe', 'evt_' || $1, 'webhook', 'applied', $1, '{}', now())`,
  report_slot_occupancy: `INSERT INTO report_slot_occupancy (tenant_id, slot_id, day, activity_id, starts_at, capacity, updated_at)
    VALUES ($1, 's', current_date, 'a', now(), 1, now())`,
  report_payments: `INSERT INTO report_payments (tenant_id, payment_id, provider, currency, started_amount)
    VALUES ($1, 'p', 'stripe', 'EUR', 1)`,
  report_revenue_daily: `INSERT INTO report_revenue_daily (tenant_id, day, provider, currency) VALUES ($1, current_date, 'stripe', 'EUR')`,
};
const tenantTables = Object.keys(seeds);
/** No system job reads idempotency keys, and users are written only through their SECURITY DEFINER function. */
const requestOnlyTables = ['idempotency_keys', 'users'];

const tenantRow = z.object({ tenant_id: z.string().nullable() });
const tenantsIn = (table: string) => sql.type(tenantRow)`SELECT tenant_id FROM ${sql.identifier([table])}`;

beforeAll(async () => {
  db = await createTestDatabase();
  for (const tenant of [TENANT_A, TENANT_B]) {
    for (const statement of Object.values(seeds)) await db.asOwner(statement, [tenant]);
  }
  // A verified webhook that matched no payment and claimed no tenant: the system role's alone.
  await db.asOwner(`INSERT INTO webhook_inbox (provider, provider_event_id, source, outcome, tenant_id, payload, received_at)
    VALUES ('stripe', 'evt_unmatched_${randomUUID()}', 'webhook', 'unmatched', NULL, '{}', now())`);
});
afterAll(async () => {
  await db.drop();
});

describe('row-level security', () => {
  it.each(tenantTables)('%s without a WHERE shows the application only the tenant its transaction names', async (table) => {
    const seen = await withTransaction(db.pool, (tx) => tx.anyFirst(tenantsIn(table)), { tenantId: TENANT_A });
    expect(seen.length).toBeGreaterThan(0);
    expect(new Set(seen)).toEqual(new Set([TENANT_A]));
  });

  it.each(tenantTables)('%s shows nothing to the application when no tenant is set', async (table) => {
    expect(await db.pool.anyFirst(tenantsIn(table))).toEqual([]);
    expect(await withTransaction(db.pool, (tx) => tx.anyFirst(tenantsIn(table)))).toEqual([]);
  });

  it('shows nothing after an earlier transaction of the same session set a tenant (the setting reads as empty then)', async () => {
    await db.pool.connect(async (connection) => {
      await connection.transaction((tx) => tx.query(sql.typeAlias('void')`SELECT FROM set_config('app.tenant_id', ${TENANT_A}, true)`));
      const setting = await connection.oneFirst(sql.type(z.object({ t: z.string().nullable() }))`
        SELECT current_setting('app.tenant_id', true) AS t`);
      expect(setting === null || setting === '').toBe(true);
      expect(await connection.anyFirst(tenantsIn('reservations_view'))).toEqual([]);
    });
  });

  it.each(tenantTables.filter((table) => !requestOnlyTables.includes(table)))('%s shows every tenant to the system role', async (table) => {
    const seen = await withSystemTransaction(db.systemPool, (tx) => tx.anyFirst(tenantsIn(table)));
    expect(seen).toEqual(expect.arrayContaining([TENANT_A, TENANT_B]));
  });

  it.each(requestOnlyTables)('%s is not granted to the system role at all', async (table) => {
    await expect(withSystemTransaction(db.systemPool, (tx) => tx.anyFirst(tenantsIn(table)))).rejects.toThrow(/permission denied/);
  });

  it('keeps a webhook that matched nothing (no tenant) from every tenant, and shows it to the system role', async () => {
    const unmatched = sql.type(z.object({ n: z.number() }))`SELECT count(*)::int AS n FROM webhook_inbox WHERE tenant_id IS NULL`;
    expect(await withTransaction(db.pool, (tx) => tx.oneFirst(unmatched), { tenantId: TENANT_A })).toBe(0);
    expect(await withSystemTransaction(db.systemPool, (tx) => tx.oneFirst(unmatched))).toBeGreaterThan(0);
  });

  it('lets the application keep an unmatched event only as its own fresh claim: a kept row cannot be claimed again nor resettled', async () => {
    const eventId = `evt_rls_${randomUUID()}`;
    const claim = sql.type(z.object({ claimed: z.boolean() }))`
      SELECT ledger_claim_unmatched_event('stripe', ${eventId}, 'webhook', '{}'::jsonb, now()) AS claimed`;
    const settle = (outcome: string) => sql.typeAlias('void')`
      SELECT FROM ledger_settle_unmatched_event('stripe', ${eventId}, ${outcome}, ${TENANT_B}, NULL, 'probe')`;
    await withTransaction(db.pool, async (tx) => {
      expect(await tx.oneFirst(claim)).toBe(true);
      await tx.query(settle('unmatched'));
    });
    // Kept: a second claim of the same event is a duplicate, and the kept row cannot be rewritten.
    expect(await withTransaction(db.pool, (tx) => tx.oneFirst(claim))).toBe(false);
    await expect(withTransaction(db.pool, (tx) => tx.query(settle('ignored')))).rejects.toThrow(/no pending claim/);
    await expect(withTransaction(db.pool, (tx) => tx.query(settle('applied')))).rejects.toThrow(/settled as unmatched or ignored/);
    // And the application still sees none of it without its tenant.
    const kept = sql.type(z.object({ n: z.number() }))`SELECT count(*)::int AS n FROM webhook_inbox WHERE provider_event_id = ${eventId}`;
    expect(await withTransaction(db.pool, (tx) => tx.oneFirst(kept))).toBe(0);
    expect(await withSystemTransaction(db.systemPool, (tx) => tx.oneFirst(kept))).toBe(1);
  });

  it('refuses to write a row of another tenant than the one set', async () => {
    const asA = <T>(work: Parameters<typeof withTransaction<T>>[1]) => withTransaction(db.pool, work, { tenantId: TENANT_A });
    await expect(
      asA((tx) =>
        tx.query(sql.typeAlias('void')`
        INSERT INTO events (tenant_id, stream_id, stream_version, event_id, type, data, recorded_at, prev_hash, hash)
        VALUES (${TENANT_B}, 'rls-forged', 1, ${randomUUID()}::uuid, 'Forged', '{}', now(), 'x', 'y')`),
      ),
    ).rejects.toThrow(/row-level security/);
    await expect(
      asA((tx) =>
        tx.query(sql.typeAlias('void')`
        INSERT INTO idempotency_keys (tenant_id, subject, idempotency_key, request_method, request_path, request_hash, state, created_at)
        VALUES (${TENANT_B}, 's', ${randomUUID()}, 'POST', '/x', 'h', 'in_flight', now())`),
      ),
    ).rejects.toThrow(/row-level security/);
    // Moving one of A's rows to B is a write of a B row too.
    await expect(asA((tx) => tx.query(sql.typeAlias('void')`UPDATE reservations_view SET tenant_id = ${TENANT_B}`))).rejects.toThrow(
      /row-level security/,
    );
    // Without a tenant nothing can be written at all.
    await expect(
      withTransaction(db.pool, (tx) =>
        tx.query(sql.typeAlias('void')`
        INSERT INTO webhook_inbox (provider, provider_event_id, source, outcome, tenant_id, payload, received_at)
        VALUES ('stripe', ${`evt_${randomUUID()}`}, 'webhook', 'applied', ${TENANT_A}, '{}'::jsonb, now())`),
      ),
    ).rejects.toThrow(/row-level security/);
  });

  it("leaves another tenant's rows alone even when an UPDATE forgets its tenant predicate", async () => {
    const touched = await withTransaction(
      db.pool,
      (tx) => tx.query(sql.typeAlias('void')`UPDATE slot_availability SET version = version + 1`),
      { tenantId: TENANT_A },
    );
    expect(touched.rowCount).toBe(1);
    const { rows } = await db.asOwner<{ tenant_id: string; version: number }>(
      'SELECT tenant_id, version FROM slot_availability WHERE tenant_id = ANY($1) ORDER BY tenant_id',
      [[TENANT_A, TENANT_B]],
    );
    expect(rows).toEqual([
      { tenant_id: TENANT_A, version: 2 },
      { tenant_id: TENANT_B, version: 1 },
    ]);
  });

  it('denies the application every UPDATE, DELETE and TRUNCATE of the event log, whatever the tenant', async () => {
    const asA = (statement: QuerySqlToken) => withTransaction(db.pool, (tx) => tx.query(statement), { tenantId: TENANT_A });
    await expect(asA(sql.typeAlias('void')`UPDATE events SET type = 'Rewritten' WHERE tenant_id = ${TENANT_A}`)).rejects.toThrow(
      /permission denied for table events/,
    );
    await expect(asA(sql.typeAlias('void')`DELETE FROM events WHERE tenant_id = ${TENANT_A}`)).rejects.toThrow(
      /permission denied for table events/,
    );
    await expect(asA(sql.typeAlias('void')`TRUNCATE events`)).rejects.toThrow(/permission denied for table events/);
    // The system role reads the log but does not write it either.
    await expect(withSystemTransaction(db.systemPool, (tx) => tx.query(sql.typeAlias('void')`DELETE FROM events`))).rejects.toThrow(
      /permission denied for table events/,
    );
  });

  it('keeps the system bookkeeping (consumer and ledger checkpoints) out of the application role', async () => {
    for (const table of ['consumer_checkpoints', 'ledger_checkpoints', 'ledger_checkpoint_heads', 'schema_migrations']) {
      await expect(
        withTransaction(db.pool, (tx) => tx.query(sql.type(z.looseObject({}))`SELECT * FROM ${sql.identifier([table])}`), {
          tenantId: TENANT_A,
        }),
        table,
      ).rejects.toThrow(/permission denied/);
    }
  });

  it('switches a transaction that learned its tenant late (webhooks) into that tenant only', async () => {
    const seen = await withSystemTransaction(db.systemPool, async (tx) => {
      const before = await tx.anyFirst(tenantsIn('payments_view'));
      await enterTenant(tx, TENANT_B);
      return { before, after: await tx.anyFirst(tenantsIn('payments_view')) };
    });
    expect(seen.before).toEqual(expect.arrayContaining([TENANT_A, TENANT_B]));
    expect(new Set(seen.after)).toEqual(new Set([TENANT_B]));
  });

  it('puts every table that has a tenant_id, and every table the application may touch, under a tenant policy', async () => {
    const { rows } = await db.asOwner<{
      table_name: string;
      rls: boolean;
      app_policy: boolean;
      system_policy: boolean;
      app_access: boolean;
      tenant_column: boolean;
    }>(`
      SELECT c.relname AS table_name, c.relrowsecurity AS rls,
             EXISTS (SELECT 1 FROM pg_policies p WHERE p.schemaname = 'public' AND p.tablename = c.relname
                     AND 'ledger_app' = ANY (p.roles) AND p.qual LIKE '%ledger_current_tenant()%'
                     AND p.with_check LIKE '%ledger_current_tenant()%') AS app_policy,
             EXISTS (SELECT 1 FROM pg_policies p WHERE p.schemaname = 'public' AND p.tablename = c.relname
                     AND 'ledger_system' = ANY (p.roles)) AS system_policy,
             has_table_privilege('ledger_app', c.oid, 'SELECT, INSERT, UPDATE, DELETE') AS app_access,
             EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped) AS tenant_column
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')
      ORDER BY c.relname`);
    const unprotected = rows
      .filter((row) => (row.tenant_column || row.app_access) && !(row.rls && row.app_policy && row.system_policy))
      .map((row) => row.table_name);
    expect(unprotected).toEqual([]);
    expect(rows.filter((row) => row.tenant_column).map((row) => row.table_name)).toEqual(expect.arrayContaining(tenantTables));
  });
});

describe('the database role the server runs as', () => {
  it('is ledger_app: neither a superuser nor the owner, no BYPASSRLS, no UPDATE or DELETE on events', async () => {
    const me = await db.pool.one(sql.type(
      z.object({ current_user: z.string(), session_user: z.string(), usesuper: z.boolean(), bypass: z.boolean() }),
    )`
      SELECT current_user, session_user, r.rolsuper AS usesuper, r.rolbypassrls AS bypass
      FROM pg_roles r WHERE r.rolname = current_user`);
    expect(me).toMatchObject({ current_user: 'ledger_app', usesuper: false, bypass: false });
    // The login role is a login of its own (ADR 0034), not the owner that ran the migrations.
    const owner = await db.pool.oneFirst(sql.type(z.object({ owner: z.string() }))`
      SELECT pg_get_userbyid(relowner) AS owner FROM pg_class WHERE oid = 'public.events'::regclass`);
    expect(owner).not.toBe('ledger_app');
    expect(me.session_user).toBe('ledger_app_login');
    expect(owner).not.toBe(me.session_user);
    await expect(assertApplicationRole(db.pool)).resolves.toEqual({ role: 'ledger_app' });
    // The command pool's sessions (holds, webhooks) are the same role, checked the same way at startup.
    await expect(db.commands.transaction((tx) => assertApplicationRole(tx))).resolves.toEqual({ role: 'ledger_app' });
  });

  it('is refused at startup when it could bypass row-level security (the owner)', async () => {
    const { createPool } = await import('slonik');
    const ownerPool = await createPool(db.url);
    try {
      await expect(assertApplicationRole(ownerPool)).rejects.toThrow(/would not be held by row-level security/);
    } finally {
      await ownerPool.end();
    }
  });
});
