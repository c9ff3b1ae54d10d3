/**
 * How column values arrive in JavaScript, for both ways the application talks to PostgreSQL
 * (slonik's pool, which names types, and the command pool, which knows them by OID): timestamps
 * stay ISO strings and bigint-ish counters stay exact; zod row schemas decide the final shape.
 * Arrays of these types are parsed by slonik's pool only; the command pool's statements return none.
 */
export const LEDGER_TYPE_PARSERS = [
  { name: 'int8', oid: 20, parse: (value: string): unknown => Number.parseInt(value, 10) },
  { name: 'numeric', oid: 1700, parse: (value: string): unknown => value },
  { name: 'timestamptz', oid: 1184, parse: (value: string): unknown => new Date(value).toISOString() },
  { name: 'timestamp', oid: 1114, parse: (value: string): unknown => value },
  { name: 'date', oid: 1082, parse: (value: string): unknown => value },
  { name: 'json', oid: 114, parse: (value: string): unknown => JSON.parse(value) },
  { name: 'jsonb', oid: 3802, parse: (value: string): unknown => JSON.parse(value) },
] as const;
