-- When reconciliation last asked a provider about an open payment and when it may ask again.
-- Operational state, not a fold of any stream: it lives beside payments_view rather than in it, so
-- rebuilds and verify (which compare payments_view with its events) neither see nor reset it. A
-- payment without a row here has never been asked and is due at once.
CREATE TABLE payment_checks (
  tenant_id        text        NOT NULL,
  payment_id       uuid        NOT NULL,
  -- How many times it was asked: the backoff doubles with each.
  checks           integer     NOT NULL,
  last_checked_at  timestamptz NOT NULL,
  next_check_at    timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, payment_id)
);

-- The due ones first, the least recently asked first (see findPaymentsToReconcile).
CREATE INDEX payment_checks_last_checked ON payment_checks (last_checked_at);

-- Only system work (the reconciliation job, the CLI) schedules checks; the server's login reads none.
GRANT SELECT, INSERT, UPDATE, DELETE ON payment_checks TO ledger_system;

ALTER TABLE payment_checks ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON payment_checks AS PERMISSIVE FOR ALL TO ledger_app
  USING (tenant_id = ledger_current_tenant()) WITH CHECK (tenant_id = ledger_current_tenant());
CREATE POLICY system_jobs ON payment_checks AS PERMISSIVE FOR ALL TO ledger_system USING (true) WITH CHECK (true);
