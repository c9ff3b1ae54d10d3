import { readPublicAvailability } from '../../projections/publicAvailability.js';
import { withTransaction } from '../db/transaction.js';
import { localDateTime } from '../domain/localTime.js';
import type { Money } from '../domain/money.js';
import type { AppDeps } from './context.js';

/** A window longer than this is cut to this many days after its start: one page covers a season, not years. */
export const PUBLIC_AVAILABILITY_MAX_WINDOW_DAYS = 92;
/** At most this many departures, the earliest first: a booking page narrows `from`/`to` to see later ones. */
export const PUBLIC_AVAILABILITY_MAX_ITEMS = 500;

const DAY_MS = 86_400_000;

/** A departure as a booking site shows it: when (in UTC and in the activity's town), the free seats and the price. */
export type PublicSlot = {
  readonly slotId: string;
  readonly activityId: string;
  readonly startsAt: string;
  readonly localStartsAt: string;
  readonly timeZone: string;
  readonly available: number;
  readonly unitPrice: Money;
};

export type PublicAvailabilityRequest = {
  readonly tenantId: string;
  readonly activityId?: string;
  /** ISO instants, UTC; `from` defaults to now, `to` to the longest window after `from`. */
  readonly from?: string;
  readonly to?: string;
};

/**
 * The departures of one tenant still for sale, for anyone to read. Read as that tenant under
 * row-level security (ADR 0014), so a tenant id that names no tenant reads nothing, exactly as one
 * whose tenant has no departures: tenants cannot be told apart from outside.
 */
export async function publicAvailability(deps: AppDeps, request: PublicAvailabilityRequest): Promise<readonly PublicSlot[]> {
  const now = deps.clock();
  const from = request.from ?? now.toISOString();
  const latestTo = new Date(new Date(from).getTime() + PUBLIC_AVAILABILITY_MAX_WINDOW_DAYS * DAY_MS).toISOString();
  const to = request.to === undefined || request.to > latestTo ? latestTo : request.to;
  const rows = await withTransaction(
    deps.pool,
    (tx) =>
      readPublicAvailability(tx, {
        tenantId: request.tenantId,
        ...(request.activityId === undefined ? {} : { activityId: request.activityId }),
        after: now.toISOString(),
        from,
        to,
        limit: PUBLIC_AVAILABILITY_MAX_ITEMS,
      }),
    { tenantId: request.tenantId },
  );
  return rows.map((row) => ({
    slotId: row.slot_id,
    activityId: row.activity_id,
    startsAt: row.starts_at,
    localStartsAt: localDateTime(new Date(row.starts_at), row.time_zone),
    timeZone: row.time_zone,
    available: row.available,
    unitPrice: { amount: row.unit_price_amount, currency: row.unit_price_currency },
  }));
}
