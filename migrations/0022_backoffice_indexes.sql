-- Backoffice lists (GET /v1/backoffice/reservations, /payments, /reservations/export): each list is
-- one tenant's rows, newest first, paged by the keyset (created_at, id). Every index leads with
-- tenant_id and ends with that keyset in the same direction, so a page is an index range scan that
-- stops after `limit` rows, however deep the cursor. See docs/adr/0015-backoffice-lists.md.

-- No filter, or a creation-time range.
CREATE INDEX reservations_view_backoffice ON reservations_view (tenant_id, created_at DESC, reservation_id DESC);
CREATE INDEX reservations_view_backoffice_status ON reservations_view (tenant_id, status, created_at DESC, reservation_id DESC);
CREATE INDEX reservations_view_backoffice_email ON reservations_view (tenant_id, lower(customer_email), created_at DESC, reservation_id DESC);
-- Replaces (tenant_id, slot_id): same leading columns, so every lookup by slot still uses it.
CREATE INDEX reservations_view_backoffice_slot ON reservations_view (tenant_id, slot_id, created_at DESC, reservation_id DESC);
DROP INDEX reservations_view_slot;

-- Activity and departure filters name slots, not reservations: the slots are found here first and
-- their reservations through reservations_view_backoffice_slot (slot columns are not copied into
-- reservations_view, whose rows are folded from the reservation stream alone).
CREATE INDEX slot_availability_activity ON slot_availability (tenant_id, activity_id, starts_at);
CREATE INDEX slot_availability_departure ON slot_availability (tenant_id, starts_at);

CREATE INDEX payments_view_backoffice ON payments_view (tenant_id, created_at DESC, payment_id DESC);
CREATE INDEX payments_view_backoffice_status ON payments_view (tenant_id, status, created_at DESC, payment_id DESC);
CREATE INDEX payments_view_backoffice_provider ON payments_view (tenant_id, provider, created_at DESC, payment_id DESC);
