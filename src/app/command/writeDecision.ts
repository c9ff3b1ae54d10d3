import { activityAggregate, paymentAggregate, reservationAggregate, slotAggregate } from '../../aggregates/index.js';
import { assertNever } from '../../domain/assertNever.js';
import type { ActivityState } from '../../domain/activity.js';
import type { PaymentState } from '../../domain/payment.js';
import type { ReservationState } from '../../domain/reservation.js';
import { EMPTY_STREAM_HEAD, headAfter } from '../../ledger/streamHead.js';
import { activityRowKey, activityView } from '../../../projections/activityView.js';
import { paymentRowAfter, paymentRowKey, paymentsView } from '../../../projections/paymentView.js';
import { reservationRowKey, reservationsView } from '../../../projections/reservationView.js';
import { customerSlotHoldsRowKey, heldSeatsChange } from '../../../projections/customerSlotHolds.js';
import { slotAvailability, type SlotSnapshot, slotRowKey } from '../../../projections/slotAvailability.js';
import { idempotencyRowKey, storeResponseStatement } from '../idempotency.js';
import { inboxRowKey, settleInboxStatement, settleUnmatchedStatement } from '../payments/inbox.js';
import type { WriteSet } from '../writeSet.js';
import type { Change, Command, Decision, Loaded } from './command.js';
import type { StreamsRead } from './loadForCommand.js';
import type { ChangeReaction, StreamChange } from './reactions.js';

/** The loaded streams folded (and so parsed) through the registry: a stream the command did not load is a bug, not an empty stream. */
export function loadedView<Facts>(name: string, now: string, slot: SlotSnapshot | null, streams: StreamsRead, facts: Facts): Loaded<Facts> {
  const recorded = (streamId: string) => {
    const events = streams.get(streamId);
    if (events === undefined) throw new Error(`${name} decides on ${streamId}, which it did not load`);
    return events;
  };
  return {
    now,
    slot: slot?.state ?? null,
    reservation: (id): ReservationState => {
      const streamId = reservationAggregate.streamId(id);
      return reservationAggregate.fold(recorded(streamId), { streamId });
    },
    payment: (id): PaymentState => {
      const streamId = paymentAggregate.streamId(id);
      return paymentAggregate.fold(recorded(streamId), { streamId });
    },
    activity: (id): ActivityState => {
      const streamId = activityAggregate.streamId(id);
      return activityAggregate.fold(recorded(streamId), { streamId });
    },
    facts,
  };
}

type Written = {
  readonly tenantId: string;
  readonly now: string;
  readonly slot: SlotSnapshot | null;
  readonly streams: StreamsRead;
  /** Work that follows each change (see `ChangeReaction`), enqueued with it. */
  readonly reactions: readonly ChangeReaction[];
};

/**
 * Puts a decision into the write set: each changed stream's events chained onto the head the
 * command decided on (the locked slot row's, or the last event read), the read model of each
 * changed stream (its aggregate's inline projection, the same `rowOf` a rebuild uses), the stored
 * response, the inbox outcome, the follow-up jobs, and the jobs the reactions name for each change.
 */
export function writeDecision(writes: WriteSet, command: Command<unknown, unknown>, decision: Decision<unknown>, context: Written): void {
  const { metadata } = command;
  for (const change of decision.changes) {
    if (change.events.length === 0) continue;
    if (change.aggregate === 'slot' && !command.lock) throw new Error(`${command.name} changes slot ${change.id} without locking it`);
    const written = writeChange(writes, command.name, change, { ...context, metadata });
    for (const react of context.reactions) for (const job of react(written)) writes.enqueue(job);
  }
  for (const job of decision.jobs ?? []) writes.enqueue(job);
  for (const row of decision.rows ?? []) writes.save(row.key, row.statement);
  const { now } = context;
  const claim = command.claim;
  if (decision.response) {
    if (claim?.kind !== 'idempotencyKey' && claim?.kind !== 'claimedKey')
      throw new Error(`${command.name}: a response is stored only with a key`);
    writes.save(idempotencyRowKey(claim.request), storeResponseStatement(claim.request, decision.response, now));
  }
  if (decision.inbox) {
    if (claim?.kind !== 'inbox') throw new Error(`${command.name}: an inbox outcome needs an inbox claim`);
    if (command.tenantId === null) {
      // The settle of a claim outside any tenant is a function call (a SELECT), which runs only as the
      // write set's one statement.
      if (decision.changes.length > 0 || (decision.jobs ?? []).length > 0 || decision.response)
        throw new Error(`${command.name}: a command without a tenant writes nothing but its inbox row`);
      writes.save(inboxRowKey(claim.event), settleUnmatchedStatement(claim.event, decision.inbox));
    } else {
      writes.save(inboxRowKey(claim.event), settleInboxStatement(claim.event, decision.inbox));
    }
  }
}

function writeChange(
  writes: WriteSet,
  name: string,
  change: Change,
  context: Written & { readonly metadata: Command<unknown>['metadata'] },
): StreamChange {
  const { tenantId, now, slot, streams, metadata } = context;
  const common = { tenantId, now, metadata };
  const append = (streamId: string, head: { version: number; hash: string }) =>
    writes.append({ tenantId, streamId, head, events: change.events, recordedAt: now, metadata });
  switch (change.aggregate) {
    case 'slot': {
      // Seats move only under the slot's row lock; a slot that does not exist yet has no row to lock.
      if (slot !== null && slot.state.slotId !== change.id)
        throw new Error(`${name} changes slot ${change.id} but locked ${slot.state.slotId}`);
      const streamId = slotAggregate.streamId(change.id);
      // What goes into the log is what the registry reads back: a decided event its schema refuses fails the command.
      const before = slot?.state ?? slotAggregate.initialState;
      const after = slotAggregate.fold(change.events, { streamId, from: before });
      if (after.status !== 'open') throw new Error(`${name} leaves slot ${change.id} without an open state`);
      const head = append(streamId, slot?.head ?? EMPTY_STREAM_HEAD);
      writes.save(slotRowKey(tenantId, change.id), slotAvailability.upsert(tenantId, { snapshot: { state: after, head }, updatedAt: now }));
      return { ...change, ...common, before, after, version: head.version };
    }
    case 'reservation': {
      const streamId = reservationAggregate.streamId(change.id);
      const recorded = streams.get(streamId) ?? [];
      const before = reservationAggregate.fold(recorded, { streamId });
      const after = reservationAggregate.fold(change.events, { streamId, from: before });
      if (after.status === 'none') throw new Error(`${name} leaves reservation ${change.id} without a state`);
      const head = append(streamId, headAfter(recorded));
      writes.save(
        reservationRowKey(tenantId, change.id),
        reservationsView.upsert(tenantId, { state: after, version: head.version, updatedAt: now }),
      );
      const heldSeats = heldSeatsChange(tenantId, before, after);
      if (heldSeats !== null) writes.save(customerSlotHoldsRowKey(tenantId, after.slotId, after.ownerSub), heldSeats);
      return { ...change, ...common, before, after, version: head.version };
    }
    case 'payment': {
      const streamId = paymentAggregate.streamId(change.id);
      const recorded = streams.get(streamId) ?? [];
      const before = paymentAggregate.fold(recorded, { streamId });
      const after = paymentAggregate.fold(change.events, { streamId, from: before });
      const head = append(streamId, headAfter(recorded));
      // paymentRowAfter folds the recorded and the decided events through the registry: both parsed.
      writes.save(
        paymentRowKey(tenantId, change.id),
        paymentsView.upsert(tenantId, paymentRowAfter(change.id, recorded, change.events, now)),
      );
      return { ...change, ...common, before, after, version: head.version };
    }
    case 'activity': {
      const streamId = activityAggregate.streamId(change.id);
      const recorded = streams.get(streamId) ?? [];
      const before = activityAggregate.fold(recorded, { streamId });
      const after = activityAggregate.fold(change.events, { streamId, from: before });
      if (after.status !== 'defined') throw new Error(`${name} leaves activity ${change.id} undefined`);
      const head = append(streamId, headAfter(recorded));
      writes.save(
        activityRowKey(tenantId, change.id),
        activityView.upsert(tenantId, { state: after, version: head.version, updatedAt: now }),
      );
      return { ...change, ...common, before, after, version: head.version };
    }
    default:
      return assertNever(change);
  }
}
