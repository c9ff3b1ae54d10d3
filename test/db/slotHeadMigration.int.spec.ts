import { randomUUID } from 'node:crypto';
import { cp, mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import { migrate, MIGRATIONS_DIR } from '../../src/db/migrate.js';

const name = `t_${randomUUID().replaceAll('-', '')}`;
let url: string;
let before: string;

async function asAdmin<R extends pg.QueryResultRow>(connection: string, text: string, values?: unknown[]) {
  const client = new pg.Client({ connectionString: connection });
  await client.connect();
  try {
    return await client.query<R>(text, values);
  } finally {
    await client.end();
  }
}

beforeAll(async () => {
  const adminUrl = inject('pgAdminUrl');
  await asAdmin(adminUrl, `CREATE DATABASE ${name}`);
  const parsed = new URL(adminUrl);
  parsed.pathname = `/${name}`;
  url = parsed.toString();
  // The migrations as they stood before 0021, to build a database with slots in the old shape.
  before = await mkdtemp(path.join(os.tmpdir(), 'ledger-migrations-'));
  await cp(MIGRATIONS_DIR, before, { recursive: true });
  for (const file of await readdir(before)) if (file >= '0021') await rm(path.join(before, file));
});
afterAll(async () => {
  await asAdmin(inject('pgAdminUrl'), `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await rm(before, { recursive: true, force: true });
});

describe('migration 0021', () => {
  it('fills head_hash of existing slots with their stream’s last hash and drops the NOTIFY trigger', async () => {
    await migrate(url, before);
    await asAdmin(
      url,
      `INSERT INTO events (tenant_id, stream_id, stream_version, event_id, type, data, recorded_at, prev_hash, hash)
       VALUES ('t', 'slot-s1', 1, gen_random_uuid(), 'SlotDefined', '{}', now(), 'g', 'h1'),
              ('t', 'slot-s1', 2, gen_random_uuid(), 'SeatsHeld', '{}', now(), 'h1', 'h2');
       INSERT INTO slot_availability (tenant_id, slot_id, activity_id, starts_at, capacity, held, sold,
         unit_price_amount, unit_price_currency, version, updated_at)
       VALUES ('t', 's1', 'a', now(), 10, 1, 0, 100, 'EUR', 2, now())`,
    );
    await migrate(url);
    const { rows } = await asAdmin<{ head_hash: string }>(url, `SELECT head_hash FROM slot_availability WHERE slot_id = 's1'`);
    expect(rows).toEqual([{ head_hash: 'h2' }]);
    const triggers = await asAdmin(url, `SELECT tgname FROM pg_trigger WHERE tgname = 'events_notify_consumers'`);
    expect(triggers.rows).toEqual([]);
  });
});
