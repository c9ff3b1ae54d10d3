-- The seats each customer holds (held, not yet paid) on each slot: what HOLD_MAX_SEATS_PER_CUSTOMER
-- is checked against (ADR 0037, ADR 0051). Summing the customer's held rows of reservations_view on
-- every hold costs one heap fetch per row, so it grew with how many holds the customer has on the
-- slot; this row is read by its key. Every write of a reservation's row that changes what it holds
-- adds the difference here in the same statement; a rebuild recounts it from reservations_view.
-- Every customer with a reservation on a slot has a row there, at zero once nothing is held (the next
-- hold updates it in place).
CREATE TABLE customer_slot_holds (
  tenant_id   text    NOT NULL,
  slot_id     text    NOT NULL,
  owner_sub   text    NOT NULL,
  held_seats  integer NOT NULL CHECK (held_seats >= 0),
  PRIMARY KEY (tenant_id, slot_id, owner_sub)
);

INSERT INTO customer_slot_holds (tenant_id, slot_id, owner_sub, held_seats)
  SELECT tenant_id, slot_id, owner_sub, coalesce(sum(seats) FILTER (WHERE status = 'held'), 0)::int4
  FROM reservations_view GROUP BY tenant_id, slot_id, owner_sub;

GRANT SELECT, INSERT, UPDATE ON customer_slot_holds TO ledger_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON customer_slot_holds TO ledger_system;

ALTER TABLE customer_slot_holds ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON customer_slot_holds AS PERMISSIVE FOR ALL TO ledger_app
  USING (tenant_id = ledger_current_tenant()) WITH CHECK (tenant_id = ledger_current_tenant());
CREATE POLICY system_jobs ON customer_slot_holds AS PERMISSIVE FOR ALL TO ledger_system USING (true) WITH CHECK (true);

-- The sum it replaces was this index's only reader.
DROP INDEX reservations_view_customer_holds;
