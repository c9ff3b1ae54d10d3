import type { DatabasePool } from 'slonik';
import type { Principal } from '../identity/principal.js';

/** What every use case is wired with by the composition root. */
export type AppDeps = {
  readonly pool: DatabasePool;
  readonly clock: () => Date;
  readonly holdTtlSeconds: number;
};

/** The verified caller of one request. */
export type Caller = {
  readonly principal: Principal;
  readonly requestId?: string;
};

export function metadataFor(caller: Caller) {
  return {
    actor: caller.principal.sub,
    ...(caller.requestId === undefined ? {} : { correlationId: caller.requestId }),
  };
}
