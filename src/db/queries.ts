import type { CommonQueryMethods } from 'slonik';

/**
 * What reads and writes ask of a database handle: slonik's query methods without streaming or
 * nested transactions. A slonik pool or transaction is one, and so is a command-pool transaction
 * (ADR 0018), so a projection's query or a stream read serves both.
 */
export type Queries = Omit<CommonQueryMethods, 'stream' | 'transaction'>;
