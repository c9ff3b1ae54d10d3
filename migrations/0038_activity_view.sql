-- The catalogue's activities as the booking sites and reports read them: the activity's IANA time
-- zone decides a departure's local time (`localStartsAt`) and the local day reports count it on.
-- A read model of the activity streams (`activity-<activityId>` in each tenant), rebuilt like
-- every other; a slot whose activity has no row here is shown in UTC.
CREATE TABLE activity_view (
  tenant_id    text        NOT NULL,
  activity_id  text        NOT NULL,
  name         text        NOT NULL,
  time_zone    text        NOT NULL,
  locale       text,
  version      integer     NOT NULL,
  updated_at   timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, activity_id)
);

GRANT SELECT, INSERT, UPDATE ON activity_view TO ledger_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON activity_view TO ledger_system;

ALTER TABLE activity_view ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON activity_view AS PERMISSIVE FOR ALL TO ledger_app
  USING (tenant_id = ledger_current_tenant()) WITH CHECK (tenant_id = ledger_current_tenant());
CREATE POLICY system_jobs ON activity_view AS PERMISSIVE FOR ALL TO ledger_system USING (true) WITH CHECK (true);
