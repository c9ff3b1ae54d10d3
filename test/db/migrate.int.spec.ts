import { cp, mkdtemp, rm, writeFile, appendFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate, MigrationChecksumMismatchError, MIGRATIONS_DIR } from '../../src/db/migrate.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

let db: TestDatabase;
let dir: string;

beforeAll(async () => {
  // The template is already migrated; the copied folder lets this test add and edit migrations.
  db = await createTestDatabase();
  dir = await mkdtemp(path.join(os.tmpdir(), 'ledger-migrations-'));
  await cp(MIGRATIONS_DIR, dir, { recursive: true });
});
afterAll(async () => {
  await db.drop();
  await rm(dir, { recursive: true, force: true });
});

describe('migrations', () => {
  it('applies nothing twice', async () => {
    const again = await migrate(db.url, dir);
    expect(again.applied).toEqual([]);
    expect(again.alreadyApplied).toBeGreaterThanOrEqual(3);
  });

  it('applies a new forward migration once, in order', async () => {
    await writeFile(path.join(dir, '9000_probe.sql'), 'CREATE TABLE migration_probe (id int PRIMARY KEY);\n');
    expect((await migrate(db.url, dir)).applied).toEqual(['9000_probe.sql']);
    expect((await migrate(db.url, dir)).applied).toEqual([]);
    const { rows } = await db.asOwner<{ name: string }>("SELECT name FROM schema_migrations WHERE name = '9000_probe.sql'");
    expect(rows).toHaveLength(1);
  });

  it('refuses to run when an applied migration was edited', async () => {
    await appendFile(path.join(dir, '0001_event_log.sql'), '\n-- edited after it was applied\n');
    await expect(migrate(db.url, dir)).rejects.toBeInstanceOf(MigrationChecksumMismatchError);
  });

  it('rolls back a failing migration whole and records nothing', async () => {
    const fresh = await mkdtemp(path.join(os.tmpdir(), 'ledger-migrations-'));
    try {
      await cp(MIGRATIONS_DIR, fresh, { recursive: true });
      await writeFile(path.join(fresh, '9001_broken.sql'), 'CREATE TABLE half_done (id int);\nSELECT no_such_function();\n');
      await expect(migrate(db.url, fresh)).rejects.toThrow(/9001_broken/);
      const { rows } = await db.asOwner("SELECT to_regclass('half_done') AS t");
      expect(rows[0]).toEqual({ t: null });
    } finally {
      await rm(fresh, { recursive: true, force: true });
    }
  });
});
