-- Sync with the operator's activity panel (PANEL.md): where the pull has got to, and the conflicts
-- a person must look at. Operational state beside the log: the changes themselves are events in the
-- slots' streams; these rows say what the sync knows and what is still open.

-- How far each list of each panel account has been read: the pull resumes from `updated_since`.
CREATE TABLE panel_pull_state (
  tenant_id      text        NOT NULL,
  list           text        NOT NULL CHECK (list IN ('activities', 'departures', 'bookings')),
  updated_since  text,
  last_pull_at   timestamptz,
  PRIMARY KEY (tenant_id, list)
);

-- A panel webhook is applied once: its id is claimed in the change's own transaction.
CREATE TABLE panel_webhook_inbox (
  tenant_id    text        NOT NULL,
  event_id     text        NOT NULL,
  event_type   text        NOT NULL,
  received_at  timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, event_id)
);

-- What the sync could not settle by itself: listed for the backoffice, open until acknowledged.
CREATE TABLE panel_conflicts (
  id               uuid        PRIMARY KEY,
  tenant_id        text        NOT NULL,
  kind             text        NOT NULL CHECK (kind IN ('capacity_conflict', 'oversold', 'departure_cancelled', 'no_capacity')),
  slot_id          text        NOT NULL,
  reservation_id   uuid,
  booking_id       text,
  detail           text        NOT NULL,
  opened_at        timestamptz NOT NULL,
  acknowledged_at  timestamptz,
  acknowledged_by  text,
  note             text
);
-- One open conflict per thing it is about: seeing the same problem again does not list it twice.
CREATE UNIQUE INDEX panel_conflicts_open_once ON panel_conflicts
  (tenant_id, kind, slot_id, coalesce(reservation_id::text, ''), coalesce(booking_id, ''))
  WHERE acknowledged_at IS NULL;
CREATE INDEX panel_conflicts_listed ON panel_conflicts (tenant_id, (acknowledged_at IS NOT NULL), opened_at DESC);

GRANT SELECT, INSERT, UPDATE ON panel_pull_state, panel_webhook_inbox, panel_conflicts TO ledger_app, ledger_system;

ALTER TABLE panel_pull_state ENABLE ROW LEVEL SECURITY;
ALTER TABLE panel_webhook_inbox ENABLE ROW LEVEL SECURITY;
ALTER TABLE panel_conflicts ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON panel_pull_state AS PERMISSIVE FOR ALL TO ledger_app
  USING (tenant_id = ledger_current_tenant()) WITH CHECK (tenant_id = ledger_current_tenant());
CREATE POLICY tenant_isolation ON panel_webhook_inbox AS PERMISSIVE FOR ALL TO ledger_app
  USING (tenant_id = ledger_current_tenant()) WITH CHECK (tenant_id = ledger_current_tenant());
CREATE POLICY tenant_isolation ON panel_conflicts AS PERMISSIVE FOR ALL TO ledger_app
  USING (tenant_id = ledger_current_tenant()) WITH CHECK (tenant_id = ledger_current_tenant());
CREATE POLICY system_jobs ON panel_pull_state AS PERMISSIVE FOR ALL TO ledger_system USING (true) WITH CHECK (true);
CREATE POLICY system_jobs ON panel_webhook_inbox AS PERMISSIVE FOR ALL TO ledger_system USING (true) WITH CHECK (true);
CREATE POLICY system_jobs ON panel_conflicts AS PERMISSIVE FOR ALL TO ledger_system USING (true) WITH CHECK (true);
