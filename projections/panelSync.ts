import type { FragmentSqlToken } from 'slonik';
import { z } from 'zod';
import type { Queries } from '../src/db/queries.js';
import { sql } from '../src/db/sql.js';

// The panel sync's own rows (migration 0045): where each list's pull has got to, which webhooks were
// applied, and the conflicts a person must look at. Every query names its tenant; row-level security
// hides the others' rows as well.

export type PanelList = 'activities' | 'departures' | 'bookings';

export type PanelConflictKind = 'capacity_conflict' | 'oversold' | 'departure_cancelled' | 'no_capacity';

/** What the sync could not settle by itself, as a command decides to open it. */
export type PanelConflict = {
  readonly kind: PanelConflictKind;
  readonly slotId: string;
  readonly reservationId?: string;
  readonly bookingId?: string;
  readonly detail: string;
};

/** A command's write-set key for the conflict's row: one per thing it is about. */
export function conflictRowKey(tenantId: string, conflict: PanelConflict): string {
  return `panel_conflicts:${tenantId}:${conflict.kind}:${conflict.slotId}:${conflict.reservationId ?? ''}:${conflict.bookingId ?? ''}`;
}

/**
 * Opens the conflict, unless the same one is open already (the partial unique index of migration
 * 0045): seeing a problem again, by webhook and then by pull, lists it once.
 */
export function openConflictStatement(tenantId: string, id: string, conflict: PanelConflict, now: string): FragmentSqlToken {
  return sql.fragment`
    INSERT INTO panel_conflicts (id, tenant_id, kind, slot_id, reservation_id, booking_id, detail, opened_at)
    VALUES (${id}::uuid, ${tenantId}, ${conflict.kind}, ${conflict.slotId}, ${conflict.reservationId ?? null}::uuid,
            ${conflict.bookingId ?? null}, ${conflict.detail}, ${now}::timestamptz)
    ON CONFLICT DO NOTHING`;
}

export function webhookInboxRowKey(tenantId: string, eventId: string): string {
  return `panel_webhook_inbox:${tenantId}:${eventId}`;
}

/** Claims a webhook's id; written with the change it makes, so an id is applied exactly when its change committed. */
export function recordWebhookStatement(tenantId: string, eventId: string, eventType: string, now: string): FragmentSqlToken {
  return sql.fragment`
    INSERT INTO panel_webhook_inbox (tenant_id, event_id, event_type, received_at)
    VALUES (${tenantId}, ${eventId}, ${eventType}, ${now}::timestamptz)
    ON CONFLICT DO NOTHING`;
}

export async function webhookApplied(tx: Queries, tenantId: string, eventId: string): Promise<boolean> {
  return tx.exists(sql.type(z.object({}))`SELECT FROM panel_webhook_inbox WHERE tenant_id = ${tenantId} AND event_id = ${eventId}`);
}

const pullStateRow = z.object({ list: z.enum(['activities', 'departures', 'bookings']), updated_since: z.string().nullable() });

/** Where each list's pull resumes from: the last `updatedAt` it applied (the panel's `updatedSince` is inclusive). */
export async function readPullPositions(tx: Queries, tenantId: string): Promise<ReadonlyMap<PanelList, string>> {
  const rows = await tx.any(sql.type(pullStateRow)`SELECT list, updated_since FROM panel_pull_state WHERE tenant_id = ${tenantId}`);
  return new Map(rows.flatMap((row) => (row.updated_since === null ? [] : [[row.list, row.updated_since] as const])));
}

/** A page applied: the list resumes after it. */
export async function savePullPosition(tx: Queries, tenantId: string, list: PanelList, updatedSince: string): Promise<void> {
  await tx.query(sql.typeAlias('void')`
    INSERT INTO panel_pull_state (tenant_id, list, updated_since) VALUES (${tenantId}, ${list}, ${updatedSince})
    ON CONFLICT (tenant_id, list) DO UPDATE SET updated_since = EXCLUDED.updated_since`);
}

/** A list read to its end: what the lag counts from. */
export async function savePullCompleted(tx: Queries, tenantId: string, list: PanelList, at: string): Promise<void> {
  await tx.query(sql.typeAlias('void')`
    INSERT INTO panel_pull_state (tenant_id, list, last_pull_at) VALUES (${tenantId}, ${list}, ${at}::timestamptz)
    ON CONFLICT (tenant_id, list) DO UPDATE SET last_pull_at = EXCLUDED.last_pull_at`);
}

const lastPullRow = z.object({ last_pull_at: z.string().nullable() });

/** When the tenant's catalogue was last read in full: the oldest of its lists' last complete pulls (null until each has one). */
export async function readLastPullAt(tx: Queries, tenantId: string): Promise<string | null> {
  const row = await tx.one(sql.type(lastPullRow)`
    SELECT CASE WHEN count(last_pull_at) = 3 THEN min(last_pull_at) END AS last_pull_at
    FROM panel_pull_state WHERE tenant_id = ${tenantId}`);
  return row.last_pull_at;
}

const conflictRow = z.object({
  id: z.string(),
  kind: z.enum(['capacity_conflict', 'oversold', 'departure_cancelled', 'no_capacity']),
  slot_id: z.string(),
  reservation_id: z.string().nullable(),
  booking_id: z.string().nullable(),
  detail: z.string(),
  opened_at: z.string(),
  acknowledged_at: z.string().nullable(),
});
export type PanelConflictRow = z.infer<typeof conflictRow>;

/** The tenant's conflicts, open ones first, newest first within each; bounded, for a page of the backoffice. */
export async function listConflicts(tx: Queries, tenantId: string, limit: number): Promise<readonly PanelConflictRow[]> {
  return tx.any(sql.type(conflictRow)`
    SELECT id::text, kind, slot_id, reservation_id::text, booking_id, detail, opened_at, acknowledged_at
    FROM panel_conflicts WHERE tenant_id = ${tenantId}
    ORDER BY (acknowledged_at IS NOT NULL), opened_at DESC, id
    LIMIT ${limit}`);
}

const acknowledgedRow = z.object({ id: z.string() });

/** Closes an open conflict; null when the tenant has no such open conflict. */
export async function acknowledgeConflict(
  tx: Queries,
  input: { tenantId: string; id: string; by: string; note: string; now: string },
): Promise<string | null> {
  const row = await tx.maybeOne(sql.type(acknowledgedRow)`
    UPDATE panel_conflicts SET acknowledged_at = ${input.now}::timestamptz, acknowledged_by = ${input.by}, note = ${input.note}
    WHERE tenant_id = ${input.tenantId} AND id = ${input.id}::uuid AND acknowledged_at IS NULL
    RETURNING id::text`);
  return row?.id ?? null;
}

const countRow = z.object({ count: z.number() });

/** Open conflicts across tenants (the system role's read, for /metrics). */
export async function countOpenConflicts(tx: Queries): Promise<number> {
  const row = await tx.one(sql.type(countRow)`SELECT count(*)::int AS count FROM panel_conflicts WHERE acknowledged_at IS NULL`);
  return row.count;
}

const oldestRow = z.object({ oldest: z.string().nullable() });

/** The oldest of every synced tenant's last complete pulls (system role, for /metrics); null before the first. */
export async function readOldestPullAt(tx: Queries): Promise<string | null> {
  const row = await tx.one(sql.type(oldestRow)`SELECT min(last_pull_at) AS oldest FROM panel_pull_state`);
  return row.oldest;
}

const liveReservationRow = z.object({ reservation_id: z.string(), seats: z.number(), status: z.string() });
export type LiveReservation = z.infer<typeof liveReservationRow>;

/** Reservations that still hold or own seats on the slot (held or paid): what a cancelled departure leaves to a person. */
export async function readLiveReservations(tx: Queries, tenantId: string, slotId: string): Promise<readonly LiveReservation[]> {
  return tx.any(sql.type(liveReservationRow)`
    SELECT reservation_id::text, seats, status FROM reservations_view
    WHERE tenant_id = ${tenantId} AND slot_id = ${slotId} AND status IN ('held', 'paid')
    ORDER BY reservation_id`);
}
