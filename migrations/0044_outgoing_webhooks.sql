-- Outgoing webhooks to the operator's own systems (Standard Webhooks, ADR 0044). Operational
-- state beside the log, not a fold of any stream: endpoints, the deliveries the webhook consumer
-- fans out of the log, and every attempt at sending one.
CREATE TABLE webhook_endpoints (
  tenant_id          text        NOT NULL,
  endpoint_id        uuid        NOT NULL,
  url                text        NOT NULL,
  event_types        text[]      NOT NULL,
  -- The signing secret (`whsec_…`). The server's login may write it but never read it back
  -- (column privileges below): only the delivery job's system login reads it, to sign.
  secret             text        NOT NULL,
  created_at         timestamptz NOT NULL,
  -- Removed endpoints stay, so their deliveries and attempts can still be read; nothing is sent to them.
  deleted_at         timestamptz,
  PRIMARY KEY (tenant_id, endpoint_id)
);

-- One row per event and endpoint. `position` is the event's place in the global log, so a lane's
-- pending deliveries (one endpoint, one reservation) are sent in the order the log recorded them.
CREATE TABLE webhook_deliveries (
  tenant_id          text        NOT NULL,
  delivery_id        uuid        NOT NULL,
  endpoint_id        uuid        NOT NULL,
  reservation_id     text        NOT NULL,
  position           bigint      NOT NULL,
  event_id           uuid        NOT NULL,
  event_type         text        NOT NULL,
  body               text        NOT NULL,
  status             text        NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
  attempts           integer     NOT NULL DEFAULT 0,
  created_at         timestamptz NOT NULL,
  first_failed_at    timestamptz,
  PRIMARY KEY (tenant_id, delivery_id),
  -- One delivery per event and endpoint: a batch the consumer applies twice adds nothing.
  CONSTRAINT webhook_deliveries_once UNIQUE (endpoint_id, event_id),
  FOREIGN KEY (tenant_id, endpoint_id) REFERENCES webhook_endpoints (tenant_id, endpoint_id)
);
CREATE INDEX webhook_deliveries_lane ON webhook_deliveries (endpoint_id, reservation_id, position) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_of_endpoint ON webhook_deliveries (tenant_id, endpoint_id, created_at DESC);

CREATE TABLE webhook_attempts (
  tenant_id          text        NOT NULL,
  delivery_id        uuid        NOT NULL,
  attempted_at       timestamptz NOT NULL,
  -- The receiver's status code; null when no answer came (refused address, timeout, connection error).
  response_status    integer,
  error              text,
  FOREIGN KEY (tenant_id, delivery_id) REFERENCES webhook_deliveries (tenant_id, delivery_id)
);
CREATE INDEX webhook_attempts_of_delivery ON webhook_attempts (tenant_id, delivery_id, attempted_at);

-- Admins manage endpoints and ask for redeliveries through the server's login; the consumer and
-- the delivery job work as the system role.
GRANT SELECT (tenant_id, endpoint_id, url, event_types, created_at, deleted_at), INSERT, UPDATE (deleted_at)
  ON webhook_endpoints TO ledger_app;
GRANT SELECT, UPDATE ON webhook_deliveries TO ledger_app;
GRANT SELECT ON webhook_attempts TO ledger_app;
GRANT SELECT, INSERT, UPDATE ON webhook_endpoints, webhook_deliveries, webhook_attempts TO ledger_system;

ALTER TABLE webhook_endpoints ENABLE ROW LEVEL SECURITY;
ALTER TABLE webhook_deliveries ENABLE ROW LEVEL SECURITY;
ALTER TABLE webhook_attempts ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON webhook_endpoints AS PERMISSIVE FOR ALL TO ledger_app
  USING (tenant_id = ledger_current_tenant()) WITH CHECK (tenant_id = ledger_current_tenant());
CREATE POLICY system_jobs ON webhook_endpoints AS PERMISSIVE FOR ALL TO ledger_system USING (true) WITH CHECK (true);
CREATE POLICY tenant_isolation ON webhook_deliveries AS PERMISSIVE FOR ALL TO ledger_app
  USING (tenant_id = ledger_current_tenant()) WITH CHECK (tenant_id = ledger_current_tenant());
CREATE POLICY system_jobs ON webhook_deliveries AS PERMISSIVE FOR ALL TO ledger_system USING (true) WITH CHECK (true);
CREATE POLICY tenant_isolation ON webhook_attempts AS PERMISSIVE FOR ALL TO ledger_app
  USING (tenant_id = ledger_current_tenant()) WITH CHECK (tenant_id = ledger_current_tenant());
CREATE POLICY system_jobs ON webhook_attempts AS PERMISSIVE FOR ALL TO ledger_system USING (true) WITH CHECK (true);
