import { LRUCache } from 'lru-cache';
import type { AppDeps } from '../app/context.js';
import { publicAvailability, type PublicAvailabilityRequest } from '../app/publicAvailability.js';
import { strongEntityTag } from './entityTag.js';

/** An availability answer ready to send: its JSON body and that body's entity tag. */
export type RenderedAvailability = { readonly body: string; readonly tag: string };

/**
 * How long one instance serves the same rendered answer. Below the answer's own `max-age` (5 s),
 * which shared caches add anyway: a booking page never sees a seat count older than it would
 * through a CDN, and a burst of readers of one departure list costs one database read a second.
 */
export const RENDERED_AVAILABILITY_TTL_MS = 1_000;
/** Distinct questions kept at once (tenant, activity, window); the oldest go first. */
const MAX_RENDERED_ANSWERS = 2_000;

/**
 * The public availability, rendered once per question and second: concurrent readers of the same
 * question share one database read (lru-cache's `fetch` runs one `fetchMethod` per key at a time),
 * and the answer is reused for `RENDERED_AVAILABILITY_TTL_MS`. The key holds the clock's second,
 * so a clock that moves (tests, a skewed host) never serves an answer about another moment.
 */
export function renderedAvailability(deps: AppDeps): (request: PublicAvailabilityRequest) => Promise<RenderedAvailability> {
  const cache = new LRUCache<string, RenderedAvailability, PublicAvailabilityRequest>({
    max: MAX_RENDERED_ANSWERS,
    ttl: RENDERED_AVAILABILITY_TTL_MS,
    fetchMethod: async (_key, _stale, { context }) => {
      const items = await publicAvailability(deps, context);
      const body = JSON.stringify({ items });
      return { body, tag: strongEntityTag(body) };
    },
  });
  return async (request) => {
    const second = Math.floor(deps.clock().getTime() / 1000);
    const key = JSON.stringify([request.tenantId, request.activityId ?? null, request.from ?? null, request.to ?? null, second]);
    const rendered = await cache.fetch(key, { context: request });
    if (rendered === undefined) throw new Error('the availability answer was not rendered');
    return rendered;
  };
}
