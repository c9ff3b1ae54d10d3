import { isDomainError } from '../domain/errors.js';
import type { Money } from '../domain/money.js';
import { decideSlot, evolveSlot, initialSlotState } from '../domain/slot.js';
import { withTransaction } from '../db/transaction.js';
import { EMPTY_STREAM_HEAD } from '../ledger/streamHead.js';
import { lockSlot, slotAvailabilityUpsert, slotRowKey } from '../../projections/slotAvailability.js';
import { type AppDeps, type Caller, metadataFor } from './context.js';
import { type Outcome, refuse, runRefusable } from './outcome.js';
import { retryOnConflict } from './retryOnConflict.js';
import { slotStreamId } from './streams.js';
import { createWriteSet } from './writeSet.js';
import { type SlotDto, slotDto } from './views.js';

export type DefineSlotInput = {
  readonly slotId: string;
  readonly activityId: string;
  readonly startsAt: string;
  readonly capacity: number;
  readonly unitPrice: Money;
};

/** Creates a slot or changes its details (admin); capacity never drops below seats held or sold. */
export async function defineSlot(
  deps: AppDeps,
  caller: Caller,
  input: DefineSlotInput,
): Promise<Outcome<{ created: boolean; slot: SlotDto }>> {
  const tenantId = caller.principal.tenantId;
  return runRefusable(() =>
    retryOnConflict(() =>
      withTransaction(
        deps.pool,
        async (tx) => {
          const now = deps.clock().toISOString();
          const snapshot = await lockSlot(tx, tenantId, { slotId: input.slotId });
          const state = snapshot?.state ?? initialSlotState;
          const events = decideSlot({ type: 'DefineSlot', ...input }, state);
          if (isDomainError(events)) refuse(events);
          const next = events.reduce(evolveSlot, state);
          if (next.status !== 'open') throw new Error('a defined slot must be open');
          if (events.length > 0) {
            // A brand-new slot has no row to lock: two admins creating it at once collide on version 1 (retried).
            const writes = createWriteSet();
            const head = writes.append({
              tenantId,
              streamId: slotStreamId(input.slotId),
              head: snapshot?.head ?? EMPTY_STREAM_HEAD,
              events,
              recordedAt: now,
              metadata: metadataFor(caller),
            });
            writes.save(slotRowKey(tenantId, input.slotId), slotAvailabilityUpsert(tenantId, { state: next, head }, now));
            await writes.flush(tx);
          }
          return { created: snapshot === null, slot: slotDto(next) };
        },
        { tenantId },
      ),
    ),
  );
}
