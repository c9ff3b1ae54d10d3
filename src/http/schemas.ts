import { codes as currencyCodes } from 'currency-codes';
import { z } from 'zod';
import { isStorableText } from '../db/storableText.js';
import { CUSTOMER_LOCALES } from '../domain/customerLocale.js';
import { isKnownTimeZone } from '../domain/localTime.js';
import { PROVIDERS } from '../domain/payment.js';
import { tenantIdSchema } from '../identity/idTokenClaims.js';

/**
 * The one rule for every string a request brings (API.md, Errors): no NUL character and no lone
 * surrogate, which PostgreSQL cannot store, so such input is a 400, never a 500.
 */
export const storableString = () => z.string().refine(isStorableText, { error: 'must not contain NUL characters or lone surrogates' });

export const text = (max: number) =>
  z.string().trim().min(1).max(max).refine(isStorableText, { error: 'must not contain NUL characters or lone surrogates' });

/**
 * ISO 4217 codes that are not money a customer pays in: precious metals, bond and fund units, the
 * SDR, the testing code and "no currency". Every other current code is accepted.
 */
const NOT_MONEY = new Set(['XAG', 'XAU', 'XBA', 'XBB', 'XBC', 'XBD', 'XDR', 'XPD', 'XPT', 'XSU', 'XTS', 'XUA', 'XXX']);
const FUND_CODES = new Set(['BOV', 'CHE', 'CHW', 'CLF', 'COU', 'MXV', 'USN', 'UYI', 'UYW']);
export const CURRENCIES: ReadonlySet<string> = new Set(currencyCodes().filter((code) => !NOT_MONEY.has(code) && !FUND_CODES.has(code)));

export const moneySchema = z
  .object({
    amount: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
    currency: z
      .string()
      .regex(/^[A-Z]{3}$/, 'must be an upper-case ISO 4217 code')
      .refine((code) => CURRENCIES.has(code), { error: 'must be an ISO 4217 currency in use' }),
  })
  .strict()
  .meta({ id: 'Money', description: 'An amount in integer minor units of an ISO 4217 currency' });

/** Slot ids are chosen by the operator and become part of a stream id (`slot-<slotId>`). */
export const slotIdSchema = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]*$/, 'letters, digits, and . _ : - only');

const IN_LEDGER_YEARS = { error: 'must fall in the years 1 to 9999' };

/**
 * An instant with its offset, in years 1 to 9999 once the offset is applied (what PostgreSQL's
 * timestamptz reads back from JavaScript: year 0 does not exist there, and JavaScript writes a
 * later year as `+010000-…`), as sent.
 */
export const isoDateTime = z.iso.datetime({ offset: true }).refine((value) => {
  const year = new Date(value).getUTCFullYear();
  return year >= 1 && year <= 9999;
}, IN_LEDGER_YEARS);

/** isoDateTime, normalised to UTC. */
export const isoInstant = isoDateTime.transform((value) => new Date(value).toISOString());

/** A calendar day `YYYY-MM-DD` in years 1 to 9999 (the four-digit form has no later year). */
export const isoDay = z.iso.date().refine((value) => !value.startsWith('0000'), IN_LEDGER_YEARS);

export const defineSlotBody = z
  .object({
    activityId: text(128),
    startsAt: isoInstant,
    capacity: z.number().int().nonnegative().max(100_000),
    unitPrice: moneySchema,
  })
  .strict()
  .meta({ id: 'DefineSlot' });

/** `POST /v1/reservations/{id}/payments`: which provider (`pix` goes through Mercado Pago). */
export const startPaymentBody = z
  .object({ provider: z.enum(PROVIDERS) })
  .strict()
  .meta({ id: 'StartPayment' });

export const placeHoldBody = z
  .object({
    slotId: slotIdSchema,
    seats: z.number().int().positive().max(1_000),
    customer: z
      .object({
        name: text(200),
        email: z.email().max(320),
        /** The language of the customer's e-mails; pt-BR when absent. */
        locale: z.enum(CUSTOMER_LOCALES).optional(),
      })
      .strict(),
  })
  .strict()
  .meta({ id: 'PlaceHold' });

export const slotParams = z.object({ slotId: slotIdSchema }).strict();

/** `GET /v1/slots`: departure range (`from` included, `to` excluded), availability, and the page. */
export const slotListQuery = z
  .object({
    activityId: text(128).optional(),
    from: isoInstant.optional(),
    to: isoInstant.optional(),
    onlyAvailable: z.enum(['true', 'false']).optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
    cursor: z.string().min(1).max(512).optional(),
  })
  .strict()
  .transform((q) => ({
    filters: {
      ...(q.activityId === undefined ? {} : { activityId: q.activityId }),
      departure: { ...(q.from === undefined ? {} : { from: q.from }), ...(q.to === undefined ? {} : { to: q.to }) },
      onlyAvailable: q.onlyAvailable === 'true',
    },
    limit: q.limit,
    cursor: q.cursor,
  }));

/** Activity ids follow the slot ids' rule: they too become part of a stream id (`activity-<activityId>`). */
export const activityParams = z.object({ activityId: slotIdSchema }).strict();

/** A BCP 47 language tag as `Intl` reads it (`pt-BR`, `es`). */
function isLanguageTag(value: string): boolean {
  try {
    return Intl.getCanonicalLocales(value).length === 1;
  } catch (error) {
    if (error instanceof RangeError) return false;
    throw error;
  }
}

export const defineActivityBody = z
  .object({
    name: text(200),
    timeZone: z
      .string()
      .max(64)
      .refine(isKnownTimeZone, { error: 'must be an IANA time zone (e.g. America/Argentina/Ushuaia)' })
      .meta({ description: 'IANA time zone of the departures, e.g. America/Argentina/Ushuaia' }),
    locale: z.string().max(35).refine(isLanguageTag, { error: 'must be a BCP 47 language tag (e.g. pt-BR)' }).optional(),
  })
  .strict()
  .meta({ id: 'DefineActivity' });
/** Any text is accepted and answered 404 unless it is a reservation id we issued (a uuid): ids are not validated, they are looked up. */
export const reservationParams = z
  .object({ reservationId: z.string().meta({ format: 'uuid', description: 'a reservation id; anything that is not one is 404' }) })
  .strict();
export const streamParams = z.object({ streamId: storableString().min(1).max(200) }).strict();
export const asOfQuery = z.object({ at: isoInstant }).strict();

/** Creating requests (holds, payments): the key that makes a retry safe, scoped to the caller (ADR 0003). */
export const idempotencyKeyHeaders = z.looseObject({
  'idempotency-key': storableString()
    .min(1)
    .max(255)
    .meta({ description: 'Idempotency-Key: 1 to 255 characters; a retry with the same key and body replays the first answer' }),
});

export const uuidSchema = z.uuid();

/** `GET /public/v1/tenants/{tenantId}/availability`: any id a token could name; an unknown one reads nothing. */
export const publicAvailabilityParams = z.object({ tenantId: tenantIdSchema }).strict();

export const publicAvailabilityQuery = z
  .object({
    activityId: text(128).optional(),
    from: isoInstant.optional(),
    to: isoInstant.optional(),
  })
  .strict()
  .refine(({ from, to }) => from === undefined || to === undefined || from < to, { error: 'from must be before to', path: ['to'] });
