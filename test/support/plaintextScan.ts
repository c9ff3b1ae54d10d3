import type { TestDatabase } from './database.js';

type TextColumn = { table_schema: string; table_name: string; column_name: string; data_type: string };

/**
 * Every place a text, JSON or bytea column of any table of the database holds one of `needles`
 * (case-insensitive): `schema.table.column` and the needle. Bytea is read byte for byte (`encode(…, 'escape')`). For
 * erasure tests: what a scan of the whole database would find of a customer.
 */
export async function findPlaintext(db: TestDatabase, needles: readonly string[]): Promise<string[]> {
  const { rows: columns } = await db.asOwner<TextColumn>(`
    SELECT c.table_schema, c.table_name, c.column_name, c.data_type FROM information_schema.columns c
    JOIN information_schema.tables t USING (table_schema, table_name)
    WHERE t.table_type = 'BASE TABLE' AND c.table_schema NOT IN ('pg_catalog', 'information_schema')
      AND c.data_type IN ('text', 'character varying', 'character', 'json', 'jsonb', 'bytea', 'ARRAY', 'USER-DEFINED')`);
  const found: string[] = [];
  for (const { table_schema, table_name, column_name, data_type } of columns) {
    const column = `${table_schema}.${table_name}.${column_name}`;
    const valueAsText = data_type === 'bytea' ? `encode("${column_name}", 'escape')` : `"${column_name}"::text`;
    for (const needle of needles) {
      const { rows } = await db.asOwner<{ hit: boolean }>(
        `SELECT EXISTS (SELECT FROM "${table_schema}"."${table_name}" WHERE strpos(lower(${valueAsText}), lower($1)) > 0) AS hit`,
        [needle],
      );
      if (rows[0]?.hit) found.push(`${column}: ${needle}`);
    }
  }
  return found;
}
