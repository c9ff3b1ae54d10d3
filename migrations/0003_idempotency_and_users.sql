-- Stored responses of creating requests, scoped to the caller (tenant + user).
CREATE TABLE idempotency_keys (
  tenant_id        text        NOT NULL,
  subject          text        NOT NULL,
  idempotency_key  text        NOT NULL,
  request_method   text        NOT NULL,
  request_path     text        NOT NULL,
  request_hash     text        NOT NULL,
  state            text        NOT NULL CHECK (state IN ('in_flight', 'completed')),
  response_status  integer,
  response_body    jsonb,
  created_at       timestamptz NOT NULL,
  completed_at     timestamptz,
  PRIMARY KEY (tenant_id, subject, idempotency_key)
);

CREATE TABLE users (
  tenant_id   text        NOT NULL,
  sub         text        NOT NULL,
  email       text,
  groups      text[]      NOT NULL DEFAULT '{}',
  first_seen  timestamptz NOT NULL,
  last_seen   timestamptz NOT NULL,
  PRIMARY KEY (sub)
);
CREATE INDEX users_tenant ON users (tenant_id);
