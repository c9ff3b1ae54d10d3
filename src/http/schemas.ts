import { z } from 'zod';
import { PROVIDERS } from '../domain/payment.js';

// jsonb refuses NUL characters; refusing them here keeps such input a 400, not a 500.
const noNul = (value: string) => !value.includes('\u0000');

export const text = (max: number) => z.string().trim().min(1).max(max).refine(noNul, { error: 'must not contain NUL characters' });

export const moneySchema = z
  .object({
    amount: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
    currency: z.string().regex(/^[A-Z]{3}$/, 'must be an upper-case ISO 4217 code'),
  })
  .strict()
  .meta({ id: 'Money', description: 'An amount in integer minor units of an ISO 4217 currency' });

/** Slot ids are chosen by the operator and become part of a stream id (`slot-<slotId>`). */
export const slotIdSchema = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]*$/, 'letters, digits, and . _ : - only');

export const isoInstant = z.iso.datetime({ offset: true }).transform((value) => new Date(value).toISOString());

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
      })
      .strict(),
  })
  .strict()
  .meta({ id: 'PlaceHold' });

export const slotParams = z.object({ slotId: slotIdSchema }).strict();
/** Any text is accepted and answered 404 unless it is a reservation id we issued (a uuid): ids are not validated, they are looked up. */
export const reservationParams = z
  .object({ reservationId: z.string().meta({ format: 'uuid', description: 'a reservation id; anything that is not one is 404' }) })
  .strict();
export const streamParams = z.object({ streamId: z.string().min(1).max(200) }).strict();
export const asOfQuery = z.object({ at: isoInstant }).strict();

/** Creating requests (holds, payments): the key that makes a retry safe, scoped to the caller (ADR 0003). */
export const idempotencyKeyHeaders = z.looseObject({
  'idempotency-key': z
    .string()
    .min(1)
    .max(255)
    .meta({ description: 'Idempotency-Key: 1 to 255 characters; a retry with the same key and body replays the first answer' }),
});

export const uuidSchema = z.uuid();
