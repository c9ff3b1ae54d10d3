import { z } from 'zod';
import { PROVIDERS } from '../domain/payment.js';
import { isoDateTime, isoDay, slotIdSchema, text } from './schemas.js';

// Query strings of the backoffice lists (GET /v1/backoffice/...), validated by the routes and
// described by the OpenAPI document from these same schemas.

const DAY_MS = 86_400_000;
export const MAX_EXPORT_DAYS = 366;

/**
 * A day (`2026-07-01`: the whole UTC day) or an instant with offset, in years 1 to 9999. Ranges
 * are half-open: `from` is the first instant in, `to` the first instant out; a day given as `to`
 * is included.
 */
const dayOrInstant = z.union([isoDay, isoDateTime]);
const startMs = (value: string) => Date.parse(value.length === 10 ? `${value}T00:00:00.000Z` : value);
const endMs = (value: string) => (value.length === 10 ? startMs(value) + DAY_MS : Date.parse(value));
/**
 * The instant as PostgreSQL reads it: the end of the day 9999-12-31 is in year 10000, which
 * JavaScript writes `+010000-…` (refused by PostgreSQL) and PostgreSQL reads as `10000-…`.
 */
const postgresInstant = (ms: number) => new Date(ms).toISOString().replace(/^\+0*(?=\d{5}-)/, '');
const startOf = (value: string) => postgresInstant(startMs(value));
const endOf = (value: string) => postgresInstant(endMs(value));

type RawRange = { readonly from?: string | undefined; readonly to?: string | undefined };
export type Range = { readonly from?: string; readonly to?: string };

function toRange(raw: RawRange): Range | undefined {
  if (raw.from === undefined && raw.to === undefined) return undefined;
  return { ...(raw.from === undefined ? {} : { from: startOf(raw.from) }), ...(raw.to === undefined ? {} : { to: endOf(raw.to) }) };
}

const ordered = (raw: RawRange) => raw.from === undefined || raw.to === undefined || startMs(raw.from) < endMs(raw.to);

export const RESERVATION_STATUSES = ['held', 'paid', 'expired', 'cancelled', 'refunded'] as const;
export const PAYMENT_STATUSES = ['pending', 'processing', 'succeeded', 'failed', 'cancelled', 'refunded', 'disputed'] as const;

const pageFields = {
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().min(1).max(512).optional(),
};

const reservationFilterFields = {
  status: z.enum(RESERVATION_STATUSES).optional(),
  slotId: slotIdSchema.optional(),
  activityId: text(128).optional(),
  /** Departure (the slot's `startsAt`) range: what an operator plans a day by. */
  from: dayOrInstant.optional(),
  to: dayOrInstant.optional(),
  /** Creation (hold) time range. */
  createdFrom: dayOrInstant.optional(),
  createdTo: dayOrInstant.optional(),
  email: z.email().max(320).optional(),
};

type ReservationFilterInput = z.infer<z.ZodObject<typeof reservationFilterFields>>;

function reservationFilters(query: ReservationFilterInput) {
  const departure = toRange({ from: query.from, to: query.to });
  const created = toRange({ from: query.createdFrom, to: query.createdTo });
  return {
    ...(query.status === undefined ? {} : { status: query.status }),
    ...(query.slotId === undefined ? {} : { slotId: query.slotId }),
    ...(query.activityId === undefined ? {} : { activityId: query.activityId }),
    ...(query.email === undefined ? {} : { email: query.email }),
    ...(departure === undefined ? {} : { departure }),
    ...(created === undefined ? {} : { created }),
  };
}

const departureOrdered = { error: '`from` must be before `to`', path: ['from'] };
const creationOrdered = { error: '`createdFrom` must be before `createdTo`', path: ['createdFrom'] };

export const reservationListQuery = z
  .object({ ...reservationFilterFields, ...pageFields })
  .strict()
  .refine((q) => ordered({ from: q.from, to: q.to }), departureOrdered)
  .refine((q) => ordered({ from: q.createdFrom, to: q.createdTo }), creationOrdered)
  .transform((q) => ({ filters: reservationFilters(q), limit: q.limit, cursor: q.cursor }));

/** An export must name its departure range, at most a year: one request never streams a tenant's whole history. */
export const reservationExportQuery = z
  .object({ ...reservationFilterFields, from: dayOrInstant, to: dayOrInstant })
  .strict()
  .refine((q) => ordered(q), departureOrdered)
  .refine((q) => (endMs(q.to) - startMs(q.from)) / DAY_MS <= MAX_EXPORT_DAYS, {
    error: `at most ${MAX_EXPORT_DAYS} days per export`,
    path: ['to'],
  })
  .refine((q) => ordered({ from: q.createdFrom, to: q.createdTo }), creationOrdered)
  .transform((q) => ({ filters: reservationFilters(q) }));

export const paymentListQuery = z
  .object({
    status: z.enum(PAYMENT_STATUSES).optional(),
    provider: z.enum(PROVIDERS).optional(),
    /** Start (creation) time range of the payment. */
    from: dayOrInstant.optional(),
    to: dayOrInstant.optional(),
    ...pageFields,
  })
  .strict()
  .refine((q) => ordered(q), { error: '`from` must be before `to`', path: ['from'] })
  .transform((q) => {
    const created = toRange(q);
    return {
      filters: {
        ...(q.status === undefined ? {} : { status: q.status }),
        ...(q.provider === undefined ? {} : { provider: q.provider }),
        ...(created === undefined ? {} : { created }),
      },
      limit: q.limit,
      cursor: q.cursor,
    };
  });
