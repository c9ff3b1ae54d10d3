import { lookup } from 'node:dns/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import type { HostResolver } from './addressRule.js';

/**
 * The longest a delivery waits for its receiver's name to resolve. `getaddrinfo` has no deadline of
 * its own (the system's resolver may retry for tens of seconds), and a delivery holds its lane's
 * lease meanwhile (ADR 0055): an attempt that cannot learn the address fails and is retried later.
 */
export const RESOLVE_TIMEOUT_MS = 5_000;

/** `resolve`, failing once `timeoutMs` have passed without an answer (the lookup itself is left to finish unheard). */
export function resolverWithin(resolve: HostResolver, timeoutMs: number): HostResolver {
  return async (hostname) => {
    const timer = new AbortController();
    const expired = sleep(timeoutMs, undefined, { signal: timer.signal }).then(() => {
      throw new Error(`no answer within ${timeoutMs} ms`);
    });
    const lookedUp = resolve(hostname);
    try {
      return await Promise.race([lookedUp, expired]);
    } finally {
      timer.abort();
      // The cancelled timer's AbortError, and a late failure of a lookup no one waits for, have no one to tell.
      expired.catch(() => undefined);
      lookedUp.catch(() => undefined);
    }
  };
}

/** The operating system's resolver (what a connection by name would use): every address of the name, within RESOLVE_TIMEOUT_MS. */
export const systemResolver: HostResolver = resolverWithin(
  async (hostname) => (await lookup(hostname, { all: true, verbatim: true })).map((entry) => entry.address),
  RESOLVE_TIMEOUT_MS,
);
