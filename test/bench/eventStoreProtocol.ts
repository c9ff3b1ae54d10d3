/** The messages between the bench and the loopback EventStoreDB's process (eventStoreProcess.ts). */
export type EventStoreParentMessage = { readonly kind: 'contents' } | { readonly kind: 'exit' };

export type EventStoreChildMessage =
  | { readonly kind: 'ready'; readonly connectionString: string }
  /** What the server holds: events over every stream, the number of streams, and the appends that wrote them. */
  | { readonly kind: 'contents'; readonly events: number; readonly streams: number; readonly appends: number };
