import type { DatabasePool } from '../db/pool.js';
import type { CommandPool } from '../db/commandPool.js';
import type { Principal } from '../identity/principal.js';
import type { ChangeReaction } from './command/reactions.js';
import type { PersonalData } from '../privacy/personalData.js';

/** What every use case is wired with by the composition root. */
export type AppDeps = {
  readonly pool: DatabasePool;
  /**
   * System work across tenants (sweeps, reconciliation, checkpoints, consumers, audits): sessions of
   * the system login, as `ledger_system`. The request pools' login cannot take that role (ADR 0034).
   */
  readonly systemPool: DatabasePool;
  /** The pipelined pool the hot write paths (holds, webhooks) run their transactions on (ADR 0018). */
  readonly commands: CommandPool;
  readonly clock: () => Date;
  readonly holdTtlSeconds: number;
  /** PAYMENT_GRACE_SECONDS: how much longer a hold waits once a payment for it has started. */
  readonly paymentGraceSeconds: number;
  /** Customers' personal data: sealed before a hold, opened at the read edge, erasable (ADR 0048). */
  readonly personalData: PersonalData;
  /** Work that follows every committed change (e-mails, panel pushes, webhooks): listed by the composition root. */
  readonly reactions: readonly ChangeReaction[];
};

/** The dependencies before the composition root adds the reactions it wires. */
export type BaseDeps = Omit<AppDeps, 'reactions'>;

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
