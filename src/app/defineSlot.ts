import { isDomainError } from '../domain/errors.js';
import type { Money } from '../domain/money.js';
import { readActivityTimeZone } from '../../projections/activityView.js';
import { decideSlot, evolveSlot, initialSlotState } from '../domain/slot.js';
import type { Command } from './command/command.js';
import { decidedResult } from './command/commandEnd.js';
import { runCommand } from './command/runCommand.js';
import { type AppDeps, type Caller, metadataFor } from './context.js';
import type { Outcome } from './outcome.js';
import { type SlotDto, slotDto } from './views.js';

export type DefineSlotInput = {
  readonly slotId: string;
  readonly activityId: string;
  readonly startsAt: string;
  readonly capacity: number;
  readonly unitPrice: Money;
};

export type SlotDefined = { readonly created: boolean; readonly slot: SlotDto };

/**
 * Creates a slot or changes its details (admin) under the slot's row lock; capacity never drops
 * below seats held or sold. A brand-new slot has no row to lock: two admins creating it at once
 * collide on its stream's version 1, and runCommand runs the loser again.
 */
export function defineSlotCommand(caller: Caller, input: DefineSlotInput): Command<SlotDefined, string> {
  const tenantId = caller.principal.tenantId;
  return {
    name: 'defineSlot',
    tenantId,
    metadata: metadataFor(caller),
    lock: { slotId: input.slotId },
    // The answer shows the departure in its activity's time zone.
    factsBehindLock: (tx) => readActivityTimeZone(tx, tenantId, input.activityId),
    decide: ({ slot, facts: timeZone }) => {
      const state = slot ?? initialSlotState;
      const events = decideSlot({ type: 'DefineSlot', ...input }, state);
      if (isDomainError(events)) return events;
      const next = events.reduce(evolveSlot, state);
      if (next.status !== 'open') throw new Error('a defined slot must be open');
      return {
        changes: [{ aggregate: 'slot', id: input.slotId, events }],
        result: { created: slot === null, slot: slotDto(next, timeZone) },
      };
    },
  };
}

export async function defineSlot(deps: AppDeps, caller: Caller, input: DefineSlotInput): Promise<Outcome<SlotDefined>> {
  return decidedResult(await runCommand(deps, defineSlotCommand(caller, input)));
}
