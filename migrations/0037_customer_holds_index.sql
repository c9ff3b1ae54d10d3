-- A hold reads, under its slot's lock, how many seats the customer already holds (unpaid) on that
-- slot (HOLD_MAX_SEATS_PER_CUSTOMER, ADR 0037). This partial index holds only held reservations, so
-- the read is a short range scan whatever the slot's size, and it carries `seats` so the sum is
-- read from the index. Equality on text is leakproof: the index serves the application's role
-- under row-level security.
CREATE INDEX reservations_view_customer_holds
  ON reservations_view (tenant_id, slot_id, owner_sub) INCLUDE (seats)
  WHERE status = 'held';
