import { GENESIS_HASH } from './hashChain.js';

/**
 * Where a stream stands: its last event's version and hash (version 0 and the genesis hash when
 * it has no events). A writer that knows the head it decided on can chain new events without
 * reading the log again; the unique (stream_id, stream_version) constraint still refuses a head
 * that was stale.
 */
export type StreamHead = { readonly version: number; readonly hash: string };

export const EMPTY_STREAM_HEAD: StreamHead = { version: 0, hash: GENESIS_HASH };

/** The head after the given events of one stream, read in version order. */
export function headAfter(events: readonly { readonly version: number; readonly hash: string }[]): StreamHead {
  const last = events[events.length - 1];
  return last ? { version: last.version, hash: last.hash } : EMPTY_STREAM_HEAD;
}
