import { noticeIfAppended } from '../../db/commitNotice.js';
import { StreamVersionConflictError } from '../../ledger/errors.js';
import { isTransactionRollback } from '../../db/transaction.js';
import type { AppDeps } from '../context.js';
import { type Outcome, refuse, runRefusable } from '../outcome.js';
import { createWriteSet } from '../writeSet.js';
import type { Command, CommandEnd } from './command.js';
import { claimLockAndRead, readMore } from './loadForCommand.js';
import { loadedView, writeDecision } from './writeDecision.js';
import type { CommandTransaction } from '../../db/commandPool.js';
import type { Queries } from '../../db/queries.js';

/** A first try and up to five more when another writer got to a stream first, or PostgreSQL rolled the transaction back (class 40). */
const ATTEMPTS = 6;

/**
 * The one way a command runs (see `Command`): in one transaction of the command pool, claim → lock
 * → load → decide → write → commit, retried whole when it lost a race on a stream without a lock
 * row (two admins creating one slot) or to a serialization failure. A refusal rolls back and
 * writes nothing. `locate` runs first in the same transaction, for commands that learn their tenant
 * and streams from the database (a webhook finds its payment).
 */
export async function runCommand<Result, Facts = undefined>(
  deps: AppDeps,
  command: Command<Result, Facts> | ((tx: Queries) => Promise<Command<Result, Facts>>),
): Promise<Outcome<CommandEnd<Result>>> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await runRefusable(() => runOnce(deps, command));
    } catch (error) {
      const retriable = error instanceof StreamVersionConflictError || isTransactionRollback(error);
      if (!retriable || attempt >= ATTEMPTS) throw error;
    }
  }
}

async function runOnce<Result, Facts>(
  deps: AppDeps,
  declared: Command<Result, Facts> | ((tx: Queries) => Promise<Command<Result, Facts>>),
): Promise<CommandEnd<Result>> {
  let transaction: CommandTransaction | undefined;
  const end = await deps.commands.transaction(async (tx) => {
    transaction = tx;
    const command = typeof declared === 'function' ? await declared(tx) : declared;
    // Generic code below reads the command without its result and facts types.
    const untyped = command as unknown as Command<unknown, unknown>;
    const now = deps.clock().toISOString();
    const start = await claimLockAndRead(tx, untyped, now);
    if (start.kind !== 'owned') return start;
    const { slot } = start;
    let { streams } = start;
    const tenantId = command.tenantId;
    if (command.thenStreams && tenantId !== null) {
      streams = await readMore(tx, tenantId, streams, command.thenStreams(loadedView(command.name, now, slot, streams, undefined)));
    }
    const facts = command.facts
      ? await command.facts(tx, loadedView(command.name, now, slot, streams, undefined))
      : (start.factsBehindLock as Facts);
    const decision = command.decide(loadedView(command.name, now, slot, streams, facts));
    if ('kind' in decision) refuse(decision);
    if (tenantId === null && decision.changes.length > 0) throw new Error(`${command.name}: events need a tenant`);
    const writes = createWriteSet();
    writeDecision(writes, untyped, decision, { tenantId: tenantId ?? '', now, slot, streams, reactions: deps.reactions });
    await writes.commit(tx);
    return { kind: 'decided' as const, result: decision.result };
  });
  // After a commit that appended events, the log's followers are woken.
  if (transaction !== undefined) noticeIfAppended(deps.pool, transaction);
  return end;
}
