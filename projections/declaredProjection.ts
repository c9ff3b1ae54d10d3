import type { FragmentSqlToken } from 'slonik';
import { z } from 'zod';
import { sql } from '../src/db/sql.js';

/**
 * An inline projection declared once: its table's columns (name → PostgreSQL type), the key an
 * upsert conflicts on, the columns a conflict updates, and `rowOf`, the one function that turns what
 * the aggregate folded into the row. From that come the row's TypeScript type, the live path's
 * upsert (in a command's write set), the rebuild's batched insert (`sql.unnest`) and the zod
 * schemas rows are read back with. Live rows and rebuilt rows are both `rowOf`'s output, written
 * column for column by statements generated from the same list: they cannot differ by mapping.
 */

/** The PostgreSQL types projection columns use (and `sql.unnest` casts to). */
export type PgType = 'text' | 'uuid' | 'int4' | 'int8' | 'bool' | 'timestamptz' | 'jsonb';

export type ColumnSpec = {
  readonly type: PgType;
  readonly nullable?: true;
  /** A text column that only ever holds one of these (a status). */
  readonly values?: readonly [string, ...string[]];
};

export type Columns = Readonly<Record<string, ColumnSpec>>;

type TsOf<T extends PgType> = T extends 'int4' | 'int8' ? number : T extends 'bool' ? boolean : string;

/**
 * A column's value as `rowOf` gives it. jsonb columns take their JSON text (as `sql.unnest` and the
 * upsert send it); timestamptz columns an ISO instant.
 */
export type ColumnValue<S extends ColumnSpec> =
  (S extends { readonly values: readonly (infer V)[] } ? V : TsOf<S['type']>) | (S extends { readonly nullable: true } ? null : never);

export type RowOf<C extends Columns> = { readonly [K in keyof C]: ColumnValue<C[K]> };

export const column = {
  text: { type: 'text' },
  uuid: { type: 'uuid' },
  int4: { type: 'int4' },
  int8: { type: 'int8' },
  bool: { type: 'bool' },
  timestamptz: { type: 'timestamptz' },
  jsonb: { type: 'jsonb' },
} as const satisfies Record<PgType, ColumnSpec>;

export const nullable = <S extends ColumnSpec>(spec: S): S & { readonly nullable: true } => ({ ...spec, nullable: true });

export const oneOf = <const V extends readonly [string, ...string[]]>(values: V): { readonly type: 'text'; readonly values: V } => ({
  type: 'text',
  values,
});

/**
 * An event as a rebuild reads it from the log: its stored type and data, when it was recorded, and
 * (only for streams whose row keeps its head) its hash. A `RecordedEvent` is one.
 */
export type StreamEvent = {
  readonly type: string;
  readonly data: unknown;
  readonly recordedAt: string;
  readonly hash?: string | null;
  readonly streamId?: string;
  readonly version?: number;
};

/**
 * One whole stream after its aggregate parsed and folded it: the state, the parsed events and the
 * events as recorded (same order: times, hashes). What a projection's row is computed from.
 */
export type FoldedStream<State, Event = unknown> = {
  readonly streamId: string;
  readonly state: State;
  readonly events: readonly Event[];
  readonly recorded: readonly StreamEvent[];
};

/** A column of a projection table and its PostgreSQL type, in table order: what `sql.unnest` needs. */
export type ProjectionColumn = readonly [name: string, type: PgType];
export type ProjectionValue = string | number | boolean | null;

export type ProjectionDeclaration<C extends Columns, Input> = {
  readonly table: string;
  /** Every column of `table`, in the table's order. */
  readonly columns: C;
  /** The primary key: what the live upsert conflicts on and what verification reports rows by. */
  readonly key: readonly (keyof C & string)[];
  /** What an existing row takes from the new one; the others keep the values the row was created with. */
  readonly updateOnConflict: readonly (keyof C & string)[];
  /** The row for what the aggregate folded: the live path and rebuilds both call it. */
  rowOf(tenantId: string, input: Input): RowOf<C>;
};

/** A declared projection without its types: what rebuilds and verification need of every one. */
export type StreamProjection = {
  readonly table: string;
  readonly key: readonly string[];
  /** Every column and its type, in table order. */
  readonly columnList: readonly ProjectionColumn[];
};

export type DeclaredProjection<C extends Columns, Input> = ProjectionDeclaration<C, Input> &
  StreamProjection & {
    readonly names: readonly (keyof C & string)[];
    /** The row's values in column order (the rebuild's `unnest` takes rows as arrays). */
    valuesOf(row: RowOf<C>): ProjectionValue[];
    /** The live path's upsert of `rowOf(tenantId, input)`, as a write-set statement. */
    upsert(tenantId: string, input: Input): FragmentSqlToken;
    /**
     * How to read these columns back: the select list (uuids as text) and the zod schema of the
     * row as the drivers return it (typeParsers.ts: timestamps as ISO strings, int8 as numbers).
     */
    reader<const K extends keyof C & string>(names: readonly K[]): ProjectionReader<C, K>;
  };

export type ProjectionReader<C extends Columns, K extends keyof C & string> = {
  readonly columns: FragmentSqlToken;
  readonly schema: z.ZodObject<{ [P in K]: z.ZodType<ColumnValue<C[P]>> }>;
};

const casts: Record<PgType, FragmentSqlToken> = {
  text: sql.fragment`::text`,
  uuid: sql.fragment`::uuid`,
  int4: sql.fragment`::int4`,
  int8: sql.fragment`::int8`,
  bool: sql.fragment`::bool`,
  timestamptz: sql.fragment`::timestamptz`,
  jsonb: sql.fragment`::jsonb`,
};

function readType(spec: ColumnSpec): z.ZodType {
  const base =
    spec.values !== undefined
      ? z.enum(spec.values)
      : spec.type === 'int4' || spec.type === 'int8'
        ? z.number()
        : spec.type === 'bool'
          ? z.boolean()
          : spec.type === 'jsonb'
            ? z.unknown()
            : z.string();
  return spec.nullable ? base.nullable() : base;
}

/** A declared column's spec; the names come from the declaration's own keys, so a miss is a bug. */
function specOf(table: string, columns: Columns, name: string): ColumnSpec {
  const spec = columns[name];
  if (spec === undefined) throw new Error(`${table}: no such column ${name}`);
  return spec;
}

/**
 * The upsert's text, composed by the `sql` tag once per projection with a placeholder per column;
 * each call binds its row's values to it. A command's write set composes its statements by their
 * text (composedStatement.ts), so this text is also the same string on every request (ADR 0019).
 */
function upsertTemplate(table: string, names: readonly string[], columns: Columns, key: readonly string[], update: readonly string[]) {
  const list = (items: readonly string[]) =>
    sql.join(
      items.map((name) => sql.identifier([name])),
      sql.fragment`, `,
    );
  const placeholders = sql.join(
    names.map((name) => sql.fragment`${null}${casts[specOf(table, columns, name).type]}`),
    sql.fragment`, `,
  );
  const onConflict =
    update.length === 0
      ? sql.fragment`DO NOTHING`
      : sql.fragment`DO UPDATE SET ${sql.join(
          update.map((name) => sql.fragment`${sql.identifier([name])} = ${sql.identifier(['excluded', name])}`),
          sql.fragment`, `,
        )}`;
  return sql.fragment`INSERT INTO ${sql.identifier([table])} (${list(names)}) VALUES (${placeholders}) ON CONFLICT (${list(key)}) ${onConflict}`;
}

export function declareProjection<const C extends Columns, Input>(
  declaration: ProjectionDeclaration<C, Input>,
): DeclaredProjection<C, Input> {
  const names = Object.keys(declaration.columns) as (keyof C & string)[];
  const unknown = [...declaration.key, ...declaration.updateOnConflict].filter((name) => !names.includes(name));
  if (unknown.length > 0) throw new Error(`${declaration.table}: no such column(s) ${unknown.join(', ')}`);
  const template = upsertTemplate(declaration.table, names, declaration.columns, declaration.key, declaration.updateOnConflict);
  const spec = (name: string) => specOf(declaration.table, declaration.columns, name);
  const valuesOf = (row: RowOf<C>): ProjectionValue[] => names.map((name) => row[name]);
  return {
    ...declaration,
    names,
    columnList: names.map((name) => [name, spec(name).type] as const),
    valuesOf,
    upsert: (tenantId, input) => ({ ...template, values: valuesOf(declaration.rowOf(tenantId, input)) }),
    reader: (picked) => ({
      columns: sql.fragment`${sql.join(
        picked.map((name) => (spec(name).type === 'uuid' ? sql.fragment`${sql.identifier([name])}::text` : sql.identifier([name]))),
        sql.fragment`, `,
      )}`,
      // The shape is built from the names at run time; its type is the mapped type above.
      schema: z.object(Object.fromEntries(picked.map((name) => [name, readType(spec(name))]))) as never,
    }),
  };
}
