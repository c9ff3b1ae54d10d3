-- Inline read models, updated in the same transaction as the events they fold.

-- One row per slot; its row lock is what serialises concurrent holds on the slot.
CREATE TABLE slot_availability (
  tenant_id          text        NOT NULL,
  slot_id            text        NOT NULL,
  activity_id        text        NOT NULL,
  starts_at          timestamptz NOT NULL,
  capacity           integer     NOT NULL CHECK (capacity >= 0),
  held               integer     NOT NULL DEFAULT 0 CHECK (held >= 0),
  sold               integer     NOT NULL DEFAULT 0 CHECK (sold >= 0),
  unit_price_amount  bigint      NOT NULL CHECK (unit_price_amount >= 0),
  unit_price_currency text       NOT NULL,
  version            integer     NOT NULL,
  updated_at         timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, slot_id),
  -- The no-overbooking invariant, enforced by the database as a last line of defence.
  CONSTRAINT slot_never_overbooked CHECK (held + sold <= capacity)
);

CREATE TABLE reservations_view (
  tenant_id       text        NOT NULL,
  reservation_id  uuid        NOT NULL,
  slot_id         text        NOT NULL,
  seats           integer     NOT NULL,
  status          text        NOT NULL,
  total_amount    bigint      NOT NULL,
  total_currency  text        NOT NULL,
  expires_at      timestamptz NOT NULL,
  customer_name   text        NOT NULL,
  customer_email  text        NOT NULL,
  owner_sub       text        NOT NULL,
  payment_id      uuid,
  version         integer     NOT NULL,
  created_at      timestamptz NOT NULL,
  updated_at      timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, reservation_id)
);

-- The hold sweeper looks only at live holds that are due.
CREATE INDEX reservations_view_due_holds ON reservations_view (expires_at) WHERE status = 'held';
CREATE INDEX reservations_view_slot ON reservations_view (tenant_id, slot_id);

CREATE TABLE payments_view (
  tenant_id            text        NOT NULL,
  payment_id           uuid        NOT NULL,
  reservation_id       uuid        NOT NULL,
  provider             text        NOT NULL,
  status               text        NOT NULL,
  amount               bigint      NOT NULL,
  currency             text        NOT NULL,
  provider_payment_id  text,
  client_secret        text,
  checkout_url         text,
  pix_qr_code          text,
  last_error           text,
  version              integer     NOT NULL,
  created_at           timestamptz NOT NULL,
  updated_at           timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, payment_id)
);

CREATE INDEX payments_view_reservation ON payments_view (tenant_id, reservation_id);
CREATE INDEX payments_view_provider_id ON payments_view (provider, provider_payment_id);
CREATE INDEX payments_view_open ON payments_view (updated_at) WHERE status IN ('pending', 'processing');
