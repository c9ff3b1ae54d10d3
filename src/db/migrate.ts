import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { grantJobQueueToSystemRole, installJobQueueSchema } from './jobQueueSchema.js';

export const MIGRATIONS_DIR = fileURLToPath(new URL('../../migrations/', import.meta.url));

export class MigrationChecksumMismatchError extends Error {
  override readonly name = 'MigrationChecksumMismatchError';
  constructor(readonly migration: string) {
    super(`migration ${migration} was edited after it was applied; migrations are forward-only: add a new one instead`);
  }
}

export type MigrationResult = { readonly applied: readonly string[]; readonly alreadyApplied: number };

type MigrationFile = { readonly name: string; readonly sql: string; readonly checksum: string };

// Any fixed number works; it only has to be the same for every process that migrates this database.
const MIGRATION_LOCK = 7_352_114;

async function readMigrationFiles(dir: string): Promise<MigrationFile[]> {
  const names = (await readdir(dir)).filter((name) => /^\d{4}_[\w-]+\.sql$/.test(name)).sort();
  return Promise.all(
    names.map(async (name) => {
      const sql = await readFile(path.join(dir, name), 'utf8');
      return { name, sql, checksum: createHash('sha256').update(sql).digest('hex') };
    }),
  );
}

/**
 * Applies the forward-only SQL files in `migrations/`, each in its own transaction, recording a
 * checksum so an applied file that was later edited is refused rather than silently diverging.
 * Uses plain `pg` because a migration file holds many statements, which only the simple query
 * protocol accepts; application queries all go through slonik.
 */
export async function migrate(databaseUrl: string, dir: string = MIGRATIONS_DIR): Promise<MigrationResult> {
  const files = await readMigrationFiles(dir);
  // The job queue's tables and functions come first: a migration of ours calls them (0027).
  await installJobQueueSchema(databaseUrl);
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      name text PRIMARY KEY, checksum text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
    const { rows } = await client.query<{ name: string; checksum: string }>('SELECT name, checksum FROM schema_migrations');
    const recorded = new Map(rows.map((row) => [row.name, row.checksum]));
    const applied: string[] = [];
    for (const file of files) {
      const checksum = recorded.get(file.name);
      if (checksum !== undefined) {
        if (checksum !== file.checksum) throw new MigrationChecksumMismatchError(file.name);
        continue;
      }
      await client.query('BEGIN');
      try {
        await client.query(file.sql);
        await client.query('INSERT INTO schema_migrations (name, checksum) VALUES ($1, $2)', [file.name, file.checksum]);
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK');
        throw new Error(`migration ${file.name} failed`, { cause: error });
      }
      applied.push(file.name);
    }
    await grantJobQueueToSystemRole(client);
    return { applied, alreadyApplied: files.length - applied.length };
  } finally {
    // Closing the session releases the advisory lock anyway; an unlock failure must not hide the real error.
    await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined);
    await client.end();
  }
}
