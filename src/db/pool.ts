import { createPool, type DatabasePool as SlonikPool, type Interceptor, type QueryResultRow, SchemaValidationError } from 'slonik';
import { APP_ROLE, connectionUrlAs, type DatabaseRole } from './roles.js';
import { CONNECT_TIMEOUT_MS } from './timeouts.js';
import { LEDGER_TYPE_PARSERS } from './typeParsers.js';

/**
 * The application's slonik pool, without slonik's `transaction`: transactions go through
 * `withTransaction` (ADR 0020), and slonik's would switch on promise hooks for the whole process.
 */
export type DatabasePool = Omit<SlonikPool, 'transaction'>;

/**
 * Validates every row of a typed query (`sql.type(schema)`) with its zod schema, so a column
 * that drifts from what the code expects fails loudly at the query instead of deep in a use case.
 */
const rowSchemaInterceptor: Interceptor = {
  name: 'row-schema',
  transformRow(queryContext, query, row) {
    const parser = queryContext.resultParser;
    if (!parser) return row;
    const parsed = parser.safeParse(row);
    if (!parsed.success) {
      throw new SchemaValidationError(query, row, parsed.error.issues);
    }
    return parsed.data as QueryResultRow;
  },
};

export type PoolOptions = {
  readonly maximumPoolSize?: number;
  /** The role every connection runs as; the application's, subject to row-level security, unless said otherwise. */
  readonly role?: DatabaseRole;
};

/** `url` is the login's that holds `options.role` (ADR 0034); the pool's sessions take that role at startup. */
export async function createDatabasePool(url: string, options: PoolOptions = {}): Promise<DatabasePool> {
  return createPool(connectionUrlAs(url, options.role ?? APP_ROLE), {
    interceptors: [rowSchemaInterceptor],
    maximumPoolSize: options.maximumPoolSize ?? 20,
    // slonik's default reset runs DISCARD ALL on every release: a round trip per request and lost
    // plan caches. Nothing here sets session state — tenant settings are transaction-local — so skip it.
    resetConnection: async () => undefined,
    // withTransaction begins and ends transactions itself and retries them whole (ADR 0020). slonik
    // would otherwise retry a statement that lost a conflict on its own, inside the aborted transaction.
    queryRetryLimit: 0,
    // A request waits at most this for a connection (ADR 0032); slonik's default tries four times
    // over, so a frozen server would hold a request four connection timeouts long.
    connectionTimeout: CONNECT_TIMEOUT_MS,
    connectionRetryLimit: 0,
    typeParsers: LEDGER_TYPE_PARSERS.map(({ name, parse }) => ({ name, parse })),
  });
}
