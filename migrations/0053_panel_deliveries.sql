-- Pushes of the ledger's reservations to the activity panel (PANEL.md, ADR 0053): one row per
-- reservation version the ledger decided to push. The order per reservation comes from this table,
-- not from the job queue: the sender always pushes the reservation as it stands now, under the row
-- locks of its pending versions, and the older versions it covers are `superseded`.
CREATE TABLE panel_deliveries (
  id               uuid        PRIMARY KEY,
  tenant_id        text        NOT NULL,
  reservation_id   uuid        NOT NULL,
  version          integer     NOT NULL CHECK (version > 0),
  status           text        NOT NULL CHECK (status IN ('queued', 'sent', 'superseded', 'failed', 'conflict')),
  attempts         integer     NOT NULL DEFAULT 0,
  last_error       text,
  -- When this version was (re)queued: the 3-day retry window runs from here (a retry by a person restarts it).
  queued_at        timestamptz NOT NULL,
  last_attempt_at  timestamptz,
  next_attempt_at  timestamptz NOT NULL,
  UNIQUE (tenant_id, reservation_id, version)
);
-- The sender's question: which reservations have a push due now.
CREATE INDEX panel_deliveries_due ON panel_deliveries (next_attempt_at) WHERE status = 'queued';
-- The backoffice's: the failed ones of a tenant.
CREATE INDEX panel_deliveries_failed ON panel_deliveries (tenant_id, last_attempt_at DESC) WHERE status = 'failed';

-- What each daily comparison of the panel's `source: ledger` bookings with the reservations found.
CREATE TABLE panel_comparisons (
  id           uuid        PRIMARY KEY,
  tenant_id    text        NOT NULL,
  compared_at  timestamptz NOT NULL,
  checked      integer     NOT NULL,
  -- [{ "reservationId", "ledger": {status, seats}|null, "panel": {status, seats}|null }]
  differences  jsonb       NOT NULL
);
CREATE INDEX panel_comparisons_latest ON panel_comparisons (tenant_id, compared_at DESC);

GRANT SELECT, INSERT, UPDATE ON panel_deliveries, panel_comparisons TO ledger_app, ledger_system;

ALTER TABLE panel_deliveries ENABLE ROW LEVEL SECURITY;
ALTER TABLE panel_comparisons ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON panel_deliveries AS PERMISSIVE FOR ALL TO ledger_app
  USING (tenant_id = ledger_current_tenant()) WITH CHECK (tenant_id = ledger_current_tenant());
CREATE POLICY tenant_isolation ON panel_comparisons AS PERMISSIVE FOR ALL TO ledger_app
  USING (tenant_id = ledger_current_tenant()) WITH CHECK (tenant_id = ledger_current_tenant());
CREATE POLICY system_jobs ON panel_deliveries AS PERMISSIVE FOR ALL TO ledger_system USING (true) WITH CHECK (true);
CREATE POLICY system_jobs ON panel_comparisons AS PERMISSIVE FOR ALL TO ledger_system USING (true) WITH CHECK (true);
