/**
 * The mirror holds something other than the ledger at this stream's revision, or lacks events
 * before it: a repeat cannot fix that, so the mirror stops here instead of writing around it.
 */
export class MirrorDivergenceError extends Error {
  override readonly name = 'MirrorDivergenceError';
  constructor(
    /** The stream's name in the mirror (`<streamId>@<tenantId>`). */
    readonly stream: string,
    /** The first revision where the mirror and the ledger part. */
    readonly revision: bigint,
    readonly reason: string,
  ) {
    super(`the mirror's stream ${stream} diverges from the ledger at revision ${revision}: ${reason}`);
  }
}
