import { lookup } from 'node:dns/promises';
import { withinDeadline } from '../time/withinDeadline.js';
import type { HostResolver } from './addressRule.js';

/**
 * The longest a delivery waits for its receiver's name to resolve. `getaddrinfo` has no deadline of
 * its own (the system's resolver may retry for tens of seconds), and a delivery holds its lane's
 * lease meanwhile (ADR 0055): an attempt that cannot learn the address fails and is retried later.
 */
export const RESOLVE_TIMEOUT_MS = 5_000;

/** `resolve`, failing once `timeoutMs` have passed without an answer (the lookup itself is left to finish unheard). */
export function resolverWithin(resolve: HostResolver, timeoutMs: number): HostResolver {
  return (hostname) => withinDeadline(resolve(hostname), timeoutMs, () => new Error(`no answer within ${timeoutMs} ms`));
}

/** The operating system's resolver (what a connection by name would use): every address of the name, within RESOLVE_TIMEOUT_MS. */
export const systemResolver: HostResolver = resolverWithin(
  async (hostname) => (await lookup(hostname, { all: true, verbatim: true })).map((entry) => entry.address),
  RESOLVE_TIMEOUT_MS,
);
