-- Payments: the webhook inbox, the refund outbox, and what the payment read model needs beyond 0002.

-- Every provider event we accepted, keyed by the provider's own id, so each is applied at most once.
-- The key leads with the provider, not the tenant: the tenant is only known after the event is read.
-- The row commits in the same transaction as the events it caused; a rolled-back attempt leaves none,
-- so the provider's retry is applied afresh.
CREATE TABLE webhook_inbox (
  provider           text        NOT NULL,
  provider_event_id  text        NOT NULL,
  source             text        NOT NULL CHECK (source IN ('webhook', 'reconciliation')),
  -- applied: changed the ledger; anomaly: kept as an anomaly; unchanged: nothing new (stale, repeated);
  -- ignored: an event type we do not act on; unmatched: names no payment we know (kept, listed).
  outcome            text        NOT NULL CHECK (outcome IN ('pending', 'applied', 'anomaly', 'unchanged', 'ignored', 'unmatched')),
  tenant_id          text,
  payment_id         uuid,
  signal             text,
  detail             text,
  payload            jsonb       NOT NULL,
  received_at        timestamptz NOT NULL,
  PRIMARY KEY (provider, provider_event_id)
);
CREATE INDEX webhook_inbox_unmatched ON webhook_inbox (tenant_id, received_at) WHERE outcome = 'unmatched';
CREATE INDEX webhook_inbox_payment ON webhook_inbox (tenant_id, payment_id);

-- Refunds asked for by a cancellation, written in the cancel's transaction and sent to the provider
-- after it commits (never inside it: a slow provider must not hold the slot lock).
CREATE TABLE refund_outbox (
  tenant_id        text        NOT NULL,
  payment_id       uuid        NOT NULL,
  requested_at     timestamptz NOT NULL,
  next_attempt_at  timestamptz NOT NULL,
  attempts         integer     NOT NULL DEFAULT 0,
  submitted_at     timestamptz,
  provider_refund_id text,
  last_error       text,
  PRIMARY KEY (tenant_id, payment_id)
);
CREATE INDEX refund_outbox_due ON refund_outbox (next_attempt_at) WHERE submitted_at IS NULL;

-- Folded from the payment stream like the other columns, so rebuilds and verify cover them too.
ALTER TABLE payments_view
  ADD COLUMN refund_requested boolean NOT NULL DEFAULT false,
  ADD COLUMN anomalies jsonb NOT NULL DEFAULT '[]'::jsonb;

-- Mercado Pago names our payment only by its id (external_reference), without the tenant.
CREATE INDEX payments_view_payment_id ON payments_view (payment_id);
