import type { CommandTransaction } from '../../db/commandPool.js';
import { enterTenant } from '../../db/transaction.js';
import type { RecordedEvent } from '../../ledger/recordedEvent.js';
import { readStreams } from '../../ledger/readStreams.js';
import { lockSlot, type SlotSnapshot } from '../../../projections/slotAvailability.js';
import { claimKeyAndLockSlot } from '../claimKeyAndLockSlot.js';
import { claimIdempotencyKey, type StoredResponse } from '../idempotency.js';
import { claimedHere, claimInboxRow } from '../payments/inbox.js';
import { activityStreamId, paymentStreamId, reservationStreamId } from '../streams.js';
import type { Command, StreamRef } from './command.js';

export type StreamsRead = ReadonlyMap<string, readonly RecordedEvent[]>;

/** What the claim, the lock and the read found. */
export type CommandStart =
  | {
      readonly kind: 'owned';
      readonly slot: SlotSnapshot | null;
      readonly streams: StreamsRead;
      /** What `factsBehindLock` read; undefined when the command declares none. */
      readonly factsBehindLock: unknown;
    }
  | { readonly kind: 'replayed'; readonly response: StoredResponse }
  | { readonly kind: 'duplicate' };

export function streamIdOf(ref: StreamRef): string {
  switch (ref.aggregate) {
    case 'reservation':
      return reservationStreamId(ref.id);
    case 'payment':
      return paymentStreamId(ref.id);
    case 'activity':
      return activityStreamId(ref.id);
  }
}

const NO_STREAMS: StreamsRead = new Map();

/**
 * The claim, the slot lock and the stream reads of a command, in that order. On the command pool
 * each statement is sent as soon as it is called, without waiting for the one before (ADR 0018):
 * they run one after another in call order, so the lock is taken only after the claim went through
 * (a repeat takes no lock) and the streams are read after the lock was granted (they show everything
 * committed before it). A hold's claim and lock are one statement (claimKeyAndLockSlot).
 */
export async function claimLockAndRead(tx: CommandTransaction, command: Command<unknown, unknown>, now: string): Promise<CommandStart> {
  const { claim, lock, tenantId } = command;
  const streamIds = (command.streams ?? []).map(streamIdOf);
  if (tenantId === null) {
    // Only a provider event that matched no tenant's payment is kept this way: no lock, no streams.
    if (claim?.kind !== 'inbox' || lock || streamIds.length > 0)
      throw new Error(`${command.name}: only an inbox claim may run without a tenant`);
    const claimed = await claimInboxRow(tx, claim.event, claim.source, now, null);
    return claimed ? { kind: 'owned', slot: null, streams: NO_STREAMS, factsBehindLock: undefined } : { kind: 'duplicate' };
  }
  if (command.factsBehindLock && (!lock || command.facts)) {
    throw new Error(`${command.name}: facts behind the lock need a lock, and replace \`facts\``);
  }
  // Called right after the lock is sent, so that it travels behind it (and runs once it is granted).
  const factsBehindLock = () => (command.factsBehindLock ? command.factsBehindLock(tx) : Promise.resolve(undefined));
  const read = () => (streamIds.length > 0 ? readStreams(tx, tenantId, streamIds) : Promise.resolve(NO_STREAMS));

  const counted = command.heldSeatsWithLock;
  if (counted && !(claim?.kind === 'idempotencyKey' && lock && 'slotId' in lock && command.factsBehindLock)) {
    throw new Error(`${command.name}: held seats are counted with a hold's claim and lock, with \`factsBehindLock\` to fall back on`);
  }
  if (counted && claim?.kind === 'idempotencyKey' && lock && 'slotId' in lock) {
    const claimed = await claimKeyAndLockSlot(tx, claim.request, lock.slotId, now, counted.ownerSub);
    if (claimed.kind === 'replay') return { kind: 'replayed', response: claimed.response };
    const facts = claimed.heldByCaller === null ? await factsBehindLock() : counted.asFacts(claimed.heldByCaller);
    return { kind: 'owned', slot: claimed.slot, streams: await read(), factsBehindLock: facts };
  }
  if (claim?.kind === 'idempotencyKey' && lock && 'slotId' in lock) {
    const [claimed, facts] = await Promise.all([claimKeyAndLockSlot(tx, claim.request, lock.slotId, now), factsBehindLock()]);
    if (claimed.kind === 'replay') return { kind: 'replayed', response: claimed.response };
    return { kind: 'owned', slot: claimed.slot, streams: await read(), factsBehindLock: facts };
  }
  if (claim?.kind === 'idempotencyKey') {
    const replay = await claimIdempotencyKey(
      tx,
      claim.request,
      now,
      claim.takeOverInFlightAfterSeconds === undefined ? {} : { takeOverInFlightAfterSeconds: claim.takeOverInFlightAfterSeconds },
    );
    if (replay) return { kind: 'replayed', response: replay };
    const [slot, facts, streams] = await Promise.all([lock ? lockSlot(tx, tenantId, lock) : null, factsBehindLock(), read()]);
    return { kind: 'owned', slot, streams, factsBehindLock: facts };
  }
  if (claim?.kind === 'inbox') {
    // The claim enters the tenant; the lock is taken only if this delivery owns the event.
    const [claimed, slot, facts, streams] = await Promise.all([
      claimInboxRow(tx, claim.event, claim.source, now, tenantId),
      lock ? lockSlot(tx, tenantId, lock, claimedHere(claim.event)) : null,
      factsBehindLock(),
      read(),
    ]);
    return claimed ? { kind: 'owned', slot, streams, factsBehindLock: facts } : { kind: 'duplicate' };
  }
  const [, slot, facts, streams] = await Promise.all([
    enterTenant(tx, tenantId),
    lock ? lockSlot(tx, tenantId, lock) : null,
    factsBehindLock(),
    read(),
  ]);
  return { kind: 'owned', slot, streams, factsBehindLock: facts };
}

/** Reads further streams into what was read already. */
export async function readMore(
  tx: CommandTransaction,
  tenantId: string,
  read: StreamsRead,
  refs: readonly StreamRef[],
): Promise<StreamsRead> {
  const missing = refs.map(streamIdOf).filter((streamId) => !read.has(streamId));
  if (missing.length === 0) return read;
  const more = await readStreams(tx, tenantId, missing);
  return new Map([...read, ...more]);
}
