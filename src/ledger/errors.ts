/** Another writer appended to the stream after we read it; the command must be decided again. */
export class StreamVersionConflictError extends Error {
  override readonly name = 'StreamVersionConflictError';
  constructor(
    readonly streamId: string,
    readonly expectedVersion: number,
    readonly actualVersion: number | null,
    options?: { cause?: unknown },
  ) {
    super(
      `stream ${streamId} is not at version ${expectedVersion}` +
        (actualVersion === null ? ' (a concurrent append won)' : ` (it is at ${actualVersion})`),
      options,
    );
  }
}

/** An event id was reused for a different append: ids must identify one event only. */
export class EventIdReusedError extends Error {
  override readonly name = 'EventIdReusedError';
  constructor(readonly eventIds: readonly string[]) {
    super(`event ids already recorded elsewhere: ${eventIds.join(', ')}`);
  }
}
