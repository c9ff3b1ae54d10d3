import type { BenchCluster } from './cluster.js';
import type { Check } from './figures.js';

type SlotRow = {
  tenant_id: string;
  slot_id: string;
  capacity: number;
  held: number;
  sold: number;
  version: number;
  view_held_seats: number;
  view_held_count: number;
  stream_version: number;
  seats_held_events: number;
};

/**
 * After a booking scenario, straight from the tables (as their owner): for every slot
 * held + sold ≤ capacity; the reservations_view rows that hold seats add up to `held` (count and
 * seats); the slot stream is as long as the availability row says; and — when the clients'
 * tally is given — every 201 the clients saw is one held seat, no more, no fewer.
 */
export async function checkNoOverbooking(
  cluster: BenchCluster,
  database: string,
  scenario: string,
  created?: Readonly<Record<string, number>>,
): Promise<Check> {
  const { rows } = await cluster.query<SlotRow>(
    database,
    `SELECT s.tenant_id, s.slot_id, s.capacity, s.held, s.sold, s.version,
            coalesce(v.seats, 0)::int AS view_held_seats, coalesce(v.n, 0)::int AS view_held_count,
            coalesce(e.version, 0)::int AS stream_version, coalesce(e.seats_held, 0)::int AS seats_held_events
     FROM slot_availability s
     LEFT JOIN (
       SELECT tenant_id, slot_id, sum(seats) AS seats, count(*) AS n FROM reservations_view
       WHERE status = 'held' GROUP BY tenant_id, slot_id
     ) v ON v.tenant_id = s.tenant_id AND v.slot_id = s.slot_id
     LEFT JOIN (
       SELECT tenant_id, stream_id, max(stream_version) AS version, count(*) FILTER (WHERE type = 'SeatsHeld') AS seats_held
       FROM events WHERE stream_id LIKE 'slot-%' GROUP BY tenant_id, stream_id
     ) e ON e.tenant_id = s.tenant_id AND e.stream_id = 'slot-' || s.slot_id`,
  );
  const overbooked = rows.filter((row) => row.held + row.sold > row.capacity);
  const viewMismatch = rows.filter((row) => row.view_held_seats !== row.held || row.view_held_count !== row.held);
  const streamMismatch = rows.filter((row) => row.stream_version !== row.version || row.seats_held_events !== row.held);
  const responseMismatch = created ? rows.filter((row) => (created[row.slot_id] ?? 0) !== row.held) : [];
  const unknownSlots = created ? Object.keys(created).filter((slotId) => !rows.some((row) => row.slot_id === slotId)) : [];
  const totalHeld = rows.reduce((sum, row) => sum + row.held, 0);
  const sample = (list: SlotRow[]) => list.slice(0, 3).map((row) => ({ ...row, responses201: created?.[row.slot_id] }));
  const ok =
    rows.length > 0 &&
    overbooked.length === 0 &&
    viewMismatch.length === 0 &&
    streamMismatch.length === 0 &&
    responseMismatch.length === 0 &&
    unknownSlots.length === 0;
  return {
    name: 'overbooking_check',
    ok,
    scenario,
    slots: rows.length,
    held: totalHeld,
    responses201: created ? Object.values(created).reduce((sum, n) => sum + n, 0) : null,
    overbooked: overbooked.length,
    view_mismatch: viewMismatch.length,
    stream_mismatch: streamMismatch.length,
    response_mismatch: responseMismatch.length + unknownSlots.length,
    ...(ok ? {} : { examples: sample([...overbooked, ...viewMismatch, ...streamMismatch, ...responseMismatch]) }),
  };
}
