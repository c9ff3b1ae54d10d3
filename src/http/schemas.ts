import { z } from 'zod';
import { PROVIDERS } from '../domain/payment.js';

// jsonb refuses NUL characters; refusing them here keeps such input a 400, not a 500.
const noNul = (value: string) => !value.includes('\u0000');

export const text = (max: number) =>
  z.string().trim().min(1).max(max).refine(noNul, { message: 'must not contain NUL characters' });

export const moneySchema = z
  .object({
    amount: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
    currency: z.string().regex(/^[A-Z]{3}$/, 'must be an upper-case ISO 4217 code'),
  })
  .strict();

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
  .strict();

/** `POST /v1/reservations/{id}/payments`: which provider (`pix` goes through Mercado Pago). */
export const startPaymentBody = z.object({ provider: z.enum(PROVIDERS) }).strict();

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
  .strict();

export const slotParams = z.object({ slotId: slotIdSchema }).strict();
export const reservationParams = z.object({ reservationId: z.string() }).strict();
export const streamParams = z.object({ streamId: z.string().min(1).max(200) }).strict();
export const asOfQuery = z.object({ at: isoInstant }).strict();

export const uuidSchema = z.uuid();
