import { randomUUID } from 'node:crypto';
import { canonicalJson } from './canonicalJson.js';
import { eventHashOfCanonical } from './hashChain.js';
import type { StreamHead } from './streamHead.js';

export type NewEvent = {
  readonly type: string;
  readonly data: unknown;
  readonly metadata?: Readonly<Record<string, unknown>>;
  /** Give an id to make a retried append a no-op; omitted ids are fresh. */
  readonly eventId?: string;
};

/** One event ready to insert: numbered, hashed onto the one before it, data already canonical JSON. */
export type ChainedEvent = {
  readonly tenantId: string;
  readonly streamId: string;
  readonly version: number;
  readonly eventId: string;
  readonly type: string;
  readonly data: string;
  readonly metadata: string;
  readonly recordedAt: string;
  readonly prevHash: string;
  readonly hash: string;
};

/**
 * Numbers and hash-chains new events onto a stream's head (pure apart from fresh event ids).
 * Returns the rows to insert and the stream's head after them.
 */
export function chainEvents(input: {
  readonly tenantId: string;
  readonly streamId: string;
  readonly head: StreamHead;
  readonly events: readonly NewEvent[];
  readonly recordedAt: string;
}): { readonly rows: ChainedEvent[]; readonly head: StreamHead } {
  let prevHash = input.head.hash;
  let version = input.head.version;
  const rows = input.events.map((event) => {
    version += 1;
    const eventId = event.eventId ?? randomUUID();
    const data = canonicalJson(event.data);
    const metadata = canonicalJson(event.metadata ?? {});
    const fields = { tenantId: input.tenantId, streamId: input.streamId, version, eventId, type: event.type, recordedAt: input.recordedAt };
    const hash = eventHashOfCanonical(prevHash, fields, data, metadata);
    const row: ChainedEvent = { ...fields, data, metadata, prevHash, hash };
    prevHash = hash;
    return row;
  });
  return { rows, head: { version, hash: prevHash } };
}
