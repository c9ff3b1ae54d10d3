-- Daily reports, an asynchronous projection of the log (projections/reports/), rebuilt by resetting
-- its consumer checkpoint. Every table leads with tenant_id: reports are read one tenant at a time.

-- Occupancy of each slot on the (UTC) day it starts.
CREATE TABLE report_slot_occupancy (
  tenant_id    text        NOT NULL,
  slot_id      text        NOT NULL,
  day          date        NOT NULL,
  activity_id  text        NOT NULL,
  starts_at    timestamptz NOT NULL,
  capacity     integer     NOT NULL,
  held         integer     NOT NULL DEFAULT 0,
  sold         integer     NOT NULL DEFAULT 0,
  updated_at   timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, slot_id)
);
CREATE INDEX report_slot_occupancy_day ON report_slot_occupancy (tenant_id, day);

-- What the revenue report must remember of each payment: the provider is only named by
-- PaymentStarted, and a refund without an amount refunds what succeeded.
CREATE TABLE report_payments (
  tenant_id         text   NOT NULL,
  payment_id        text   NOT NULL,
  provider          text   NOT NULL,
  currency          text   NOT NULL,
  started_amount    bigint NOT NULL,
  succeeded_amount  bigint,
  PRIMARY KEY (tenant_id, payment_id)
);

-- Money in integer minor units, per day of the provider's success or refund, never mixing currencies.
CREATE TABLE report_revenue_daily (
  tenant_id  text   NOT NULL,
  day        date   NOT NULL,
  provider   text   NOT NULL,
  currency   text   NOT NULL,
  succeeded  bigint NOT NULL DEFAULT 0,
  refunded   bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (tenant_id, day, provider, currency)
);
