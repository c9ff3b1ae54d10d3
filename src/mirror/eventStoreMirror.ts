import { type EventStoreDBClient, jsonEvent, NO_STREAM, StreamNotFoundError, WrongExpectedVersionError } from '@eventstore/db-client';
import type { Consumer } from '../consumers/consumer.js';
import type { RecordedEvent } from '../ledger/recordedEvent.js';
import { MirrorDivergenceError } from './errors.js';
import { differenceFrom, type EventInMirror, MIRROR_CONSUMER, mirrorRevision, mirrorStreamName, toMirroredEvent } from './mirroredEvent.js';

export type MirrorOptions = {
  /** Absent: every tenant. Present: only these tenants' streams are appended; the others are passed over. */
  readonly tenants?: readonly string[];
  /** Called with the number of events appended, after each batch (metrics). */
  readonly onAppended?: (events: number) => void;
};

/**
 * The mirror as a consumer of the global log: each batch's events are appended to their streams in
 * EventStoreDB, each stream's run of events in one append at the expected revision of its first
 * event, different streams at once. The checkpoint moves only once every append has succeeded, so
 * a crash in between repeats the batch; the repeat meets a WrongExpectedVersion and is settled by
 * reading what the mirror already has: events equal to the ledger's are skipped, anything else is a
 * `MirrorDivergenceError`.
 */
export function eventStoreMirror(client: EventStoreDBClient, options: MirrorOptions = {}): Consumer {
  const tenants = options.tenants ? new Set(options.tenants) : null;
  return {
    name: MIRROR_CONSUMER,
    async handle(_tx, events) {
      const runs = streamRuns(tenants ? events.filter((event) => tenants.has(event.tenantId)) : events);
      const outcomes = await Promise.allSettled([...runs].map(([stream, run]) => appendRun(client, stream, run)));
      // A divergence says more than a lost connection in the same batch: it is the one reported.
      const failures = outcomes.flatMap((outcome) => (outcome.status === 'rejected' ? [outcome.reason as unknown] : []));
      const failure = failures.find((reason) => reason instanceof MirrorDivergenceError) ?? failures[0];
      if (failure !== undefined) throw failure instanceof Error ? failure : new Error('an append to the mirror failed', { cause: failure });
      options.onAppended?.(outcomes.reduce((sum, outcome) => sum + (outcome.status === 'fulfilled' ? outcome.value : 0), 0));
    },
  };
}

/** Each stream's events of the batch, in version order (the log's order within a stream). */
function streamRuns(events: readonly RecordedEvent[]): Map<string, RecordedEvent[]> {
  const runs = new Map<string, RecordedEvent[]>();
  for (const event of events) {
    const stream = mirrorStreamName(event.tenantId, event.streamId);
    const run = runs.get(stream);
    if (run) run.push(event);
    else runs.set(stream, [event]);
  }
  return runs;
}

/** Appends `run` (consecutive versions of one stream) and returns how many events were new to the mirror. */
async function appendRun(client: EventStoreDBClient, stream: string, run: readonly RecordedEvent[]): Promise<number> {
  const first = run[0];
  if (!first) return 0;
  try {
    await append(client, stream, run);
    return run.length;
  } catch (error) {
    if (!(error instanceof WrongExpectedVersionError)) throw error;
  }
  // The stream is not where the ledger expects it: a repeat of a batch whose checkpoint was lost, or a divergence.
  const found = await readRevisions(client, stream, mirrorRevision(first.version), run.length);
  for (const [index, event] of run.entries()) {
    const inMirror = found[index];
    if (!inMirror) {
      if (index === 0) {
        throw new MirrorDivergenceError(stream, mirrorRevision(first.version), 'the mirror lacks events before this revision');
      }
      await append(client, stream, run.slice(index));
      return run.length - index;
    }
    const difference = differenceFrom(event, inMirror);
    if (difference) throw new MirrorDivergenceError(stream, mirrorRevision(event.version), difference);
  }
  return 0;
}

/**
 * Metadata goes to the client as its JSON's UTF-8 bytes: the same bytes on the wire (the reader
 * parses them as JSON either way), but for JSON metadata the client encodes base64 that
 * google-protobuf then decodes again in JavaScript, which cost a third of the mirror's CPU.
 */
const utf8 = new TextEncoder();

async function append(client: EventStoreDBClient, stream: string, run: readonly RecordedEvent[]): Promise<void> {
  const first = run[0] as RecordedEvent;
  const expectedRevision = first.version === 1 ? NO_STREAM : mirrorRevision(first.version - 1);
  await client.appendToStream(
    stream,
    run.map((event) => {
      const mirrored = toMirroredEvent(event);
      return jsonEvent({
        id: mirrored.id,
        type: mirrored.type,
        data: mirrored.data as never,
        metadata: utf8.encode(JSON.stringify(mirrored.metadata)),
      });
    }),
    { expectedRevision },
  );
}

/** Up to `count` events of `stream` from `from` on; none when the stream does not exist. */
export async function readRevisions(client: EventStoreDBClient, stream: string, from: bigint, count: number): Promise<EventInMirror[]> {
  const found: EventInMirror[] = [];
  try {
    for await (const resolved of client.readStream(stream, { fromRevision: from, maxCount: count })) {
      const event = resolved.event;
      if (event) found.push({ id: event.id, revision: event.revision, type: event.type, data: event.data, metadata: event.metadata });
    }
  } catch (error) {
    if (!(error instanceof StreamNotFoundError)) throw error;
  }
  return found;
}
