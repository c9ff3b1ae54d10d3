/**
 * `read`, called at most once per `ttlMs`: callers within that time share the last result, and
 * callers while a read is under way share that read. A failed read is not kept (the next caller
 * tries again), so a scrape flood during an outage still costs one read in flight at a time.
 */
export function cachedRead<T>(read: () => Promise<T>, ttlMs: number, now: () => number = Date.now): () => Promise<T> {
  let last: { value: T; at: number } | undefined;
  let inFlight: Promise<T> | undefined;
  return () => {
    if (last && now() - last.at < ttlMs) return Promise.resolve(last.value);
    inFlight ??= read()
      .then((value) => {
        last = { value, at: now() };
        return value;
      })
      .finally(() => {
        inFlight = undefined;
      });
    return inFlight;
  };
}
