import type { Queries } from '../db/queries.js';
import type { PersonalData } from './personalData.js';

/** Where an event's personal fields are, by event type: paths into its `data` (declared by each aggregate's event schema). */
export type PersonalFieldPaths = Readonly<Partial<Record<string, readonly (readonly string[])[]>>>;

type EventLike = { readonly type: string; readonly data: unknown };

function valueAt(data: unknown, path: readonly string[]): unknown {
  let at: unknown = data;
  for (const step of path) at = typeof at === 'object' && at !== null ? (at as Record<string, unknown>)[step] : undefined;
  return at;
}

function withValueAt(data: unknown, path: readonly string[], value: string): unknown {
  const [step, ...rest] = path;
  if (step === undefined || typeof data !== 'object' || data === null) return data;
  const record = data as Record<string, unknown>;
  return { ...record, [step]: rest.length === 0 ? value : withValueAt(record[step], rest, value) };
}

/**
 * The read edge for events: copies of `events` whose declared personal fields are opened (or
 * `[erased]`), everything else as stored. One key lookup for the whole batch. `db` must see the
 * events' tenant.
 */
export async function openPersonalFields<E extends EventLike>(
  db: Queries,
  personalData: PersonalData,
  fields: PersonalFieldPaths,
  events: readonly E[],
): Promise<E[]> {
  const places: { index: number; path: readonly string[]; stored: string }[] = [];
  events.forEach((event, index) => {
    for (const path of fields[event.type] ?? []) {
      const stored = valueAt(event.data, path);
      if (typeof stored === 'string') places.push({ index, path, stored });
    }
  });
  if (places.length === 0) return [...events];
  const opened = await personalData.openTexts(
    db,
    places.map((place) => place.stored),
  );
  const result = [...events];
  places.forEach((place, i) => {
    const event = result[place.index];
    const value = opened[i];
    if (event !== undefined && value !== undefined) result[place.index] = { ...event, data: withValueAt(event.data, place.path, value) };
  });
  return result;
}
