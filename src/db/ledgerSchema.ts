import pg from 'pg';

/**
 * Whether the database holds a ledger: the migrations' own table and the event log both exist.
 * Reads the catalogue only; plain `pg` like the migrator, since the schema may be absent.
 */
export async function hasLedgerSchema(databaseUrl: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ present: boolean }>(
      `SELECT to_regclass('schema_migrations') IS NOT NULL AND to_regclass('events') IS NOT NULL AS present`,
    );
    return rows[0]?.present === true;
  } finally {
    await client.end();
  }
}
