import { z } from 'zod';
import type { Queries } from '../src/db/queries.js';
import type { ActivityState } from '../src/domain/activity.js';
import { sql } from '../src/db/sql.js';
import { column, declareProjection, type FoldedStream, nullable } from './declaredProjection.js';

export const ACTIVITY_VIEW_TABLE = 'activity_view';

export type DefinedActivity = Extract<ActivityState, { status: 'defined' }>;

/** What an activity's row is made of: the folded state, its stream's version, and when it last changed. */
export type ActivityViewInput = { readonly state: DefinedActivity; readonly version: number; readonly updatedAt: string };

/** The activity's row, declared once (see declaredProjection.ts): commands and rebuilds both write `rowOf`'s row. */
export const activityView = declareProjection({
  table: ACTIVITY_VIEW_TABLE,
  columns: {
    tenant_id: column.text,
    activity_id: column.text,
    name: column.text,
    time_zone: column.text,
    locale: nullable(column.text),
    version: column.int4,
    updated_at: column.timestamptz,
  },
  key: ['tenant_id', 'activity_id'],
  updateOnConflict: ['name', 'time_zone', 'locale', 'version', 'updated_at'],
  rowOf: (tenantId, { state, version, updatedAt }: ActivityViewInput) => ({
    tenant_id: tenantId,
    activity_id: state.activityId,
    name: state.name,
    time_zone: state.timeZone,
    locale: state.locale,
    version,
    updated_at: updatedAt,
  }),
});

/** A rebuild's input: the whole folded stream (null for a stream that never defined its activity). */
export function activityViewInputOf(stream: FoldedStream<ActivityState>): ActivityViewInput | null {
  const { state } = stream;
  const last = stream.recorded[stream.recorded.length - 1];
  if (state.status !== 'defined' || !last) return null;
  return { state, version: stream.recorded.length, updatedAt: last.recordedAt };
}

/** The row key a write set knows an activity_view row by. */
export const activityRowKey = (tenantId: string, activityId: string) => `activity_view:${tenantId}\u0000${activityId}`;

/** A departure of an activity with no row here is shown in UTC (API.md, Slots). */
export const DEFAULT_TIME_ZONE = 'UTC';

const timeZoneRow = z.object({ time_zone: z.string() });

/** The time zone of an activity's departures: its own, or UTC when the tenant never defined the activity. */
export async function readActivityTimeZone(db: Queries, tenantId: string, activityId: string): Promise<string> {
  const row = await db.maybeOne(sql.type(timeZoneRow)`
    SELECT time_zone FROM activity_view WHERE tenant_id = ${tenantId} AND activity_id = ${activityId}`);
  return row?.time_zone ?? DEFAULT_TIME_ZONE;
}
