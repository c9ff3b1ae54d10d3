import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { publicAvailabilityStatement, readPublicAvailability, type PublicAvailabilityQuery } from '../../projections/publicAvailability.js';
import { sql } from '../../src/db/sql.js';
import { withTransaction } from '../../src/db/transaction.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

// Issue 14 item 2: the public read stays an index range scan at 100,000 slots in one tenant (the
// bench's scale), as the application role under row-level security, for both shapes of the query.

const TENANT = 'tenant-plan';
const SLOTS = 100_000;
const DAY_MS = 86_400_000;

let db: TestDatabase;
const now = new Date('2027-01-01T00:00:00Z');

beforeAll(async () => {
  db = await createTestDatabase({ maximumPoolSize: 2 });
  await db.asOwner(
    `INSERT INTO slot_availability (tenant_id, slot_id, activity_id, starts_at, capacity, held, sold,
       unit_price_amount, unit_price_currency, version, updated_at, head_hash)
     SELECT CASE WHEN i % 10 = 0 THEN 'tenant-other' ELSE $1 END, 'slot-' || i, 'activity-' || (i % 100),
            $2::timestamptz + (i * interval '1 year' / $3::int), 20, i % 7, i % 5, 4500, 'BRL', 1, now(), repeat('0', 64)
     FROM generate_series(1, $3::int) AS i`,
    [TENANT, now.toISOString(), SLOTS],
  );
  await db.asOwner(
    `INSERT INTO activity_view (tenant_id, activity_id, name, time_zone, locale, version, updated_at)
    SELECT $1, 'activity-' || i, 'Activity ' || i, 'America/Sao_Paulo', 'pt-BR', 1, now() FROM generate_series(0, 99) AS i`,
    [TENANT],
  );
  await db.asOwner('ANALYZE slot_availability');
  await db.asOwner('ANALYZE activity_view');
}, 60_000);
afterAll(async () => {
  await db.drop();
});

type PlanNode = { 'Node Type': string; 'Relation Name'?: string; 'Index Name'?: string; Plans?: PlanNode[] };
const planRow = z.object({ 'QUERY PLAN': z.array(z.object({ Plan: z.custom<PlanNode>() })) });

function nodesOf(node: PlanNode): PlanNode[] {
  return [node, ...(node.Plans ?? []).flatMap(nodesOf)];
}

async function planOf(query: PublicAvailabilityQuery): Promise<PlanNode[]> {
  const row = await withTransaction(
    db.pool,
    (tx) => tx.one(sql.type(planRow)`EXPLAIN (FORMAT JSON) ${publicAvailabilityStatement(query)}`),
    {
      tenantId: TENANT,
    },
  );
  return nodesOf(row['QUERY PLAN'][0]!.Plan);
}

const window = (fromDays: number, days: number) => ({
  after: now.toISOString(),
  from: new Date(now.getTime() + fromDays * DAY_MS).toISOString(),
  to: new Date(now.getTime() + (fromDays + days) * DAY_MS).toISOString(),
});

describe('the public availability read at 100,000 slots', () => {
  it.each([
    ['one activity, one week', { activityId: 'activity-7', ...window(30, 7) }, 'slot_availability_activity'],
    ['every activity, 92 days', window(0, 92), 'slot_availability_departure'],
  ])('%s: an index scan of slot_availability, never a sequential one', async (_name, shape, index) => {
    const nodes = await planOf({ tenantId: TENANT, limit: 500, ...shape });
    const slotScans = nodes.filter((node) => node['Relation Name'] === 'slot_availability');
    expect(slotScans.map((node) => node['Node Type'])).not.toContain('Seq Scan');
    expect(slotScans.map((node) => node['Index Name'])).toContain(index);
  });

  it('reads that tenant only, in departure order, cut at the limit', async () => {
    const rows = await withTransaction(db.pool, (tx) => readPublicAvailability(tx, { tenantId: TENANT, limit: 500, ...window(0, 92) }), {
      tenantId: TENANT,
    });
    expect(rows).toHaveLength(500);
    expect(rows.map((row) => row.starts_at)).toEqual([...rows.map((row) => row.starts_at)].sort());
    expect(rows.every((row) => row.time_zone === 'America/Sao_Paulo')).toBe(true);
    // Every tenth slot is the other tenant's.
    expect(rows.filter((row) => Number(row.slot_id.slice('slot-'.length)) % 10 === 0)).toEqual([]);
  });
});
