/**
 * How long a request waits for a new connection to the database before it is answered `503
 * unavailable` (ADR 0032). A server that accepts the TCP connection but does not answer (frozen)
 * is found out within this; one that refuses it is found out at once.
 */
export const CONNECT_TIMEOUT_MS = 3_000;
