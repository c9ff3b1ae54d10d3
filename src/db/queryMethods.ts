import type { QuerySqlToken } from 'slonik';
import { z } from 'zod';
import type { Queries } from './queries.js';
import { sql } from './sql.js';

const existsRow = z.object({ exists: z.boolean() });

/** One statement's answer, its rows already checked against the statement's schema. */
export type StatementResult = { readonly command: string; readonly rowCount: number; readonly rows: readonly unknown[] };

const firstColumn = (row: unknown): unknown => {
  const values = Object.values(row as Record<string, unknown>);
  if (values.length !== 1) throw new Error(`expected one column, got ${values.length}`);
  return values[0];
};

const exactlyOne = (rows: readonly unknown[]): unknown => {
  if (rows.length !== 1) throw new Error(`expected one row, got ${rows.length}`);
  return rows[0];
};

const atMostOne = (rows: readonly unknown[]): unknown => {
  if (rows.length > 1) throw new Error(`expected at most one row, got ${rows.length}`);
  return rows[0] ?? null;
};

const atLeastOne = (rows: readonly unknown[]): readonly unknown[] => {
  if (rows.length === 0) throw new Error('expected at least one row, got none');
  return rows;
};

/**
 * slonik's query methods (`one`, `maybeOneFirst`, …) over any way of running a statement, with
 * slonik's row-count rules, so code written against a slonik connection runs unchanged on another.
 * Two differences no caller relies on: a wrong row count throws a plain `Error` (not slonik's
 * `NotFoundError` / `DataIntegrityError`), and `query` reports no `fields`.
 */
export function queryMethodsOf(run: (statement: QuerySqlToken) => Promise<StatementResult>): Queries {
  const rows = async (statement: QuerySqlToken) => (await run(statement)).rows;
  const methods = {
    query: async (statement: QuerySqlToken) => {
      const result = await run(statement);
      return { command: result.command, fields: [], notices: [], rowCount: result.rowCount, rows: result.rows, type: 'QueryResult' };
    },
    any: rows,
    anyFirst: async (statement: QuerySqlToken) => (await rows(statement)).map(firstColumn),
    many: async (statement: QuerySqlToken) => atLeastOne(await rows(statement)),
    manyFirst: async (statement: QuerySqlToken) => atLeastOne(await rows(statement)).map(firstColumn),
    one: async (statement: QuerySqlToken) => exactlyOne(await rows(statement)),
    oneFirst: async (statement: QuerySqlToken) => firstColumn(exactlyOne(await rows(statement))),
    maybeOne: async (statement: QuerySqlToken) => atMostOne(await rows(statement)),
    maybeOneFirst: async (statement: QuerySqlToken) => {
      const row = atMostOne(await rows(statement));
      return row === null ? null : firstColumn(row);
    },
    // As slonik does: the statement's rows are never fetched, whatever its row schema.
    exists: async (statement: QuerySqlToken) => {
      const [row] = await rows(sql.type(existsRow)`SELECT EXISTS (${statement}) AS "exists"`);
      return (row as z.infer<typeof existsRow>).exists;
    },
  };
  // The methods are generic in their row schema; at run time every one is these untyped functions.
  return methods as unknown as Queries;
}
