import { canonicalJson } from '../ledger/canonicalJson.js';
import type { RecordedEvent } from '../ledger/recordedEvent.js';

/** The consumer checkpoint the mirror keeps in `consumer_checkpoints`; its lag is `/metrics`' `ledger_consumer_lag_events{consumer="eventstore-mirror"}`. */
export const MIRROR_CONSUMER = 'eventstore-mirror';

/**
 * The mirror's name for a ledger stream. Ledger stream ids are unique per tenant only (two operators
 * may both have a slot `kayak-0900`), so the tenant is part of the name; it goes after the ledger's
 * id so that EventStoreDB's category projections (`$ce-slot`, `$ce-reservation`, split at the first
 * dash) still group the streams by aggregate.
 */
export function mirrorStreamName(tenantId: string, streamId: string): string {
  return `${streamId}@${tenantId}`;
}

/** What a subscriber finds in a mirrored event's metadata (README, "Mirror into EventStoreDB"). */
export type MirroredMetadata = {
  readonly tenantId: string;
  readonly streamId: string;
  readonly version: number;
  readonly globalPosition: number;
  readonly recordedAt: string;
  readonly prevHash: string;
  readonly hash: string;
  /** The ledger's own metadata (actor, correlation, source): what the command recorded. */
  readonly ledger: Readonly<Record<string, unknown>>;
  readonly $correlationId?: string;
  readonly $causationId?: string;
};

/** One ledger event as the mirror appends it: same id, type and data. */
export type MirroredEvent = {
  readonly id: string;
  readonly type: string;
  readonly data: unknown;
  readonly metadata: MirroredMetadata;
};

export function toMirroredEvent(event: RecordedEvent): MirroredEvent {
  const correlation = event.metadata['correlationId'];
  const causation = event.metadata['causationId'];
  return {
    id: event.eventId,
    type: event.type,
    data: event.data,
    metadata: {
      tenantId: event.tenantId,
      streamId: event.streamId,
      version: event.version,
      globalPosition: event.globalPosition,
      recordedAt: event.recordedAt,
      prevHash: event.prevHash,
      hash: event.hash,
      ledger: event.metadata,
      // EventStoreDB's $by_correlation_id projection reads these two names.
      ...(typeof correlation === 'string' ? { $correlationId: correlation } : {}),
      ...(typeof causation === 'string' ? { $causationId: causation } : {}),
    },
  };
}

/** The revision a stream's event `version` has in the mirror: the ledger counts from 1, EventStoreDB from 0. */
export function mirrorRevision(version: number): bigint {
  return BigInt(version - 1);
}

/** An event read back from the mirror, as the client returns it. */
export type EventInMirror = {
  readonly id: string;
  readonly revision: bigint;
  readonly type: string;
  readonly data: unknown;
  readonly metadata: unknown;
};

/**
 * Why the event found in the mirror at `event`'s revision is not `event`, or null when it is the
 * same: id, type, data and the whole metadata (hash and position included) must all be equal.
 */
export function differenceFrom(event: RecordedEvent, found: EventInMirror): string | null {
  const expected = toMirroredEvent(event);
  if (found.revision !== mirrorRevision(event.version))
    return `revision ${found.revision} where ${mirrorRevision(event.version)} was expected`;
  if (found.id !== expected.id) return `event id ${found.id} instead of ${expected.id}`;
  if (found.type !== expected.type) return `type ${found.type} instead of ${expected.type}`;
  if (canonicalJson(found.data) !== canonicalJson(expected.data)) return 'different data';
  if (!isJsonObject(found.metadata) || canonicalJson(found.metadata) !== canonicalJson(expected.metadata)) return 'different metadata';
  return null;
}

function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !(value instanceof Uint8Array) && !Array.isArray(value);
}
