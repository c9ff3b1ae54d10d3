-- Departures from the activity panel (ADR 0046): the slot row carries what its stream says about the
-- panel, so that the hold path decides under the row's lock without reading the log.
ALTER TABLE slot_availability
  ADD COLUMN departure_status text NOT NULL DEFAULT 'open' CHECK (departure_status IN ('open', 'closed', 'cancelled')),
  ADD COLUMN panel_bookings jsonb NOT NULL DEFAULT '{}'::jsonb,
  ADD COLUMN released_panel_bookings jsonb NOT NULL DEFAULT '[]'::jsonb;

-- The no-overbooking check stays the last line of defence for the ledger's own departures. A panel
-- departure may hold more than its capacity: the panel's own bookings are recorded even when they do
-- not fit, and the panel may lower a capacity below the seats taken; the domain still refuses every
-- ledger hold that does not fit (ADR 0046).
ALTER TABLE slot_availability DROP CONSTRAINT slot_never_overbooked;
ALTER TABLE slot_availability ADD CONSTRAINT slot_never_overbooked
  CHECK (held + sold <= capacity OR slot_id LIKE 'panel-%');
