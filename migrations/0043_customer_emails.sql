-- Customer e-mails (ADR 0043). A reservation's language (`customer.locale`) is part of its row;
-- holds from before customers could choose one read as the default, pt-BR.
ALTER TABLE reservations_view ADD COLUMN customer_locale text NOT NULL DEFAULT 'pt-BR';

-- One row per reservation and kind of e-mail: the record that makes a retried or repeated
-- `sendCustomerEmail` job send that e-mail once. Operational state of the mail adapter, not a fold
-- of any stream, so rebuilds and verify neither see nor reset it. The recipient's address is not
-- copied here: it stays in the reservation, the one place personal data is kept.
CREATE TABLE customer_emails (
  tenant_id       text        NOT NULL,
  reservation_id  uuid        NOT NULL,
  kind            text        NOT NULL CHECK (kind IN ('hold', 'paid', 'cancelled', 'refunded', 'expired')),
  -- queued: no attempt yet; sending: an attempt holds the lease until lease_until; sent: accepted
  -- by SES (or written as a file); failed: the last attempt was refused, the job will try again;
  -- skipped: not sent, because the reservation had moved on (a hold paid before its e-mail went).
  state           text        NOT NULL CHECK (state IN ('queued', 'sending', 'sent', 'failed', 'skipped')),
  locale          text,
  subject         text,
  attempts        integer     NOT NULL DEFAULT 0,
  message_id      text,
  last_error      text,
  lease_until     timestamptz,
  queued_at       timestamptz NOT NULL,
  last_attempt_at timestamptz,
  sent_at         timestamptz,
  PRIMARY KEY (tenant_id, reservation_id, kind)
);

-- The job (system role) writes the rows; staff read them through the server's login, per tenant.
GRANT SELECT ON customer_emails TO ledger_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON customer_emails TO ledger_system;

ALTER TABLE customer_emails ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON customer_emails AS PERMISSIVE FOR ALL TO ledger_app
  USING (tenant_id = ledger_current_tenant()) WITH CHECK (tenant_id = ledger_current_tenant());
CREATE POLICY system_jobs ON customer_emails AS PERMISSIVE FOR ALL TO ledger_system USING (true) WITH CHECK (true);
