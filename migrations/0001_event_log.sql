-- The append-only event log: the single source of truth. Everything else is derived from it.
CREATE TABLE events (
  global_position bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  tenant_id       text        NOT NULL,
  stream_id       text        NOT NULL,
  stream_version  integer     NOT NULL CHECK (stream_version >= 1),
  event_id        uuid        NOT NULL,
  type            text        NOT NULL,
  data            jsonb       NOT NULL,
  metadata        jsonb       NOT NULL DEFAULT '{}'::jsonb,
  recorded_at     timestamptz NOT NULL,
  -- Commit-order reads: readers take only rows below the oldest running transaction's id.
  transaction_id  xid8        NOT NULL DEFAULT pg_current_xact_id(),
  prev_hash       text        NOT NULL,
  hash            text        NOT NULL,
  CONSTRAINT events_event_id_unique UNIQUE (event_id),
  -- Optimistic concurrency: two writers expecting the same version cannot both append.
  CONSTRAINT events_stream_version_unique UNIQUE (tenant_id, stream_id, stream_version)
);

CREATE INDEX events_commit_order ON events (transaction_id, global_position);
CREATE INDEX events_tenant_type ON events (tenant_id, type);

-- History is never rewritten: any UPDATE, DELETE or TRUNCATE of the log fails, whoever asks.
CREATE FUNCTION events_are_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'the event log is append-only: % is not allowed on events', TG_OP
    USING ERRCODE = 'insufficient_privilege';
END;
$$;

CREATE TRIGGER events_no_update_or_delete
  BEFORE UPDATE OR DELETE ON events
  FOR EACH ROW EXECUTE FUNCTION events_are_append_only();

CREATE TRIGGER events_no_truncate
  BEFORE TRUNCATE ON events
  FOR EACH STATEMENT EXECUTE FUNCTION events_are_append_only();
