import type { Queries } from '../../src/db/queries.js';
import { z } from 'zod';
import { sql } from '../../src/db/sql.js';
import type { RecordedEvent } from '../../src/ledger/recordedEvent.js';
import { paymentAggregate } from '../../src/aggregates/payment.js';
import { parsedForReport, ReportProjectionError } from './errors.js';

export const PAYMENT_STREAM_PREFIX = paymentAggregate.streamPrefix;

const paymentRow = z.object({
  provider: z.string(),
  currency: z.string(),
  started_amount: z.number(),
  succeeded_amount: z.number().nullable(),
});

async function addToDay(
  tx: Queries,
  event: RecordedEvent,
  at: string,
  provider: string,
  currency: string,
  amounts: { succeeded: number; refunded: number },
): Promise<void> {
  await tx.query(sql.typeAlias('void')`
    INSERT INTO report_revenue_daily (tenant_id, day, provider, currency, succeeded, refunded)
    VALUES (${event.tenantId}, (${at}::timestamptz AT TIME ZONE 'UTC')::date, ${provider}, ${currency},
            ${amounts.succeeded}, ${amounts.refunded})
    ON CONFLICT (tenant_id, day, provider, currency) DO UPDATE
    SET succeeded = report_revenue_daily.succeeded + EXCLUDED.succeeded,
        refunded = report_revenue_daily.refunded + EXCLUDED.refunded`);
}

async function paymentOf(tx: Queries, event: RecordedEvent, paymentId: string) {
  const payment = await tx.maybeOne(sql.type(paymentRow)`
    SELECT provider, currency, started_amount, succeeded_amount FROM report_payments
    WHERE tenant_id = ${event.tenantId} AND payment_id = ${paymentId}`);
  // The log is read in commit order and PaymentStarted opens its stream, so it was folded before.
  if (!payment) throw new ReportProjectionError(event.eventId, event.type, `payment ${paymentId} was never started`);
  return payment;
}

/**
 * Folds payment events into `report_revenue_daily`: money the provider confirmed taken on the UTC
 * day of the success, and money given back on the day of the refund, per provider and currency.
 */
export async function foldRevenue(tx: Queries, event: RecordedEvent): Promise<void> {
  if (!event.streamId.startsWith(PAYMENT_STREAM_PREFIX)) return;
  const paymentId = event.streamId.slice(PAYMENT_STREAM_PREFIX.length);
  const paymentEvent = parsedForReport(paymentAggregate, event);
  switch (paymentEvent.type) {
    case 'PaymentStarted': {
      const started = paymentEvent.data;
      await tx.query(sql.typeAlias('void')`
        INSERT INTO report_payments (tenant_id, payment_id, provider, currency, started_amount)
        VALUES (${event.tenantId}, ${paymentId}, ${started.provider}, ${started.amount.currency}, ${started.amount.amount})
        ON CONFLICT (tenant_id, payment_id) DO NOTHING`);
      return;
    }
    case 'PaymentSucceeded': {
      const succeeded = paymentEvent.data;
      const payment = await paymentOf(tx, event, paymentId);
      // The state machine applies one success per payment; a second would be an anomaly event instead.
      if (payment.succeeded_amount !== null) return;
      await tx.query(sql.typeAlias('void')`
        UPDATE report_payments SET succeeded_amount = ${succeeded.amount.amount}
        WHERE tenant_id = ${event.tenantId} AND payment_id = ${paymentId}`);
      await addToDay(tx, event, succeeded.succeededAt, payment.provider, succeeded.amount.currency, {
        succeeded: succeeded.amount.amount,
        refunded: 0,
      });
      return;
    }
    case 'PaymentRefunded': {
      const refunded = paymentEvent.data;
      const payment = await paymentOf(tx, event, paymentId);
      // Refunds are of the whole payment unless the provider names an amount (contract: full refunds).
      const amount = refunded.amount ?? {
        amount: payment.succeeded_amount ?? payment.started_amount,
        currency: payment.currency,
      };
      await addToDay(tx, event, refunded.refundedAt, payment.provider, amount.currency, {
        succeeded: 0,
        refunded: amount.amount,
      });
      return;
    }
    default:
      return;
  }
}

export type Money = { readonly amount: number; readonly currency: string };

export type RevenueRow = {
  readonly day: string;
  readonly provider: string;
  readonly currency: string;
  readonly succeeded: Money;
  readonly refunded: Money;
  /** succeeded − refunded of that day; negative when a day's refunds exceed its sales. */
  readonly revenue: Money;
};

const revenueRow = z.object({
  day: z.string(),
  provider: z.string(),
  currency: z.string(),
  succeeded: z.number(),
  refunded: z.number(),
});

/** One tenant's revenue per day in [from, to] (inclusive UTC dates), per provider and currency. */
export async function readRevenue(db: Queries, tenantId: string, from: string, to: string): Promise<RevenueRow[]> {
  const rows = await db.any(sql.type(revenueRow)`
    SELECT day::text, provider, currency, succeeded, refunded
    FROM report_revenue_daily
    WHERE tenant_id = ${tenantId} AND day BETWEEN ${from}::date AND ${to}::date
    ORDER BY day, provider, currency`);
  return rows.map((row) => ({
    day: row.day,
    provider: row.provider,
    currency: row.currency,
    succeeded: { amount: row.succeeded, currency: row.currency },
    refunded: { amount: row.refunded, currency: row.currency },
    revenue: { amount: row.succeeded - row.refunded, currency: row.currency },
  }));
}
