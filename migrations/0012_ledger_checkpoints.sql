-- Checkpoints of the whole ledger: every stream's head (version and hash) at one instant, chained
-- to the checkpoint before. A stream whose history is rewritten later, even with its own hash chain
-- recomputed end to end, no longer reproduces the head a checkpoint recorded.
CREATE TABLE ledger_checkpoints (
  id                    bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  created_at            timestamptz NOT NULL,
  stream_count          integer     NOT NULL,
  event_count           bigint      NOT NULL,
  -- sha-256 over the heads in (tenant, stream) byte order; see src/audit/checkpointsDigest.ts.
  heads_digest          text        NOT NULL,
  prev_checkpoint_hash  text        NOT NULL,
  hash                  text        NOT NULL UNIQUE
);

-- Byte-order ("C") keys: the digest walks heads in this index's order, which then never depends on
-- the operating system's collation rules. The reference is deferred because the heads are written
-- first and the checkpoint row, whose hash covers them, last.
CREATE TABLE ledger_checkpoint_heads (
  checkpoint_id   bigint  NOT NULL REFERENCES ledger_checkpoints (id) DEFERRABLE INITIALLY DEFERRED,
  tenant_id       text    COLLATE "C" NOT NULL,
  stream_id       text    COLLATE "C" NOT NULL,
  stream_version  integer NOT NULL,
  hash            text    NOT NULL,
  PRIMARY KEY (checkpoint_id, tenant_id, stream_id)
);

-- Checkpoints are evidence: like the log, they are never changed or removed.
CREATE FUNCTION ledger_checkpoints_are_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'ledger checkpoints are append-only: % is not allowed on %', TG_OP, TG_TABLE_NAME
    USING ERRCODE = 'insufficient_privilege';
END;
$$;

CREATE TRIGGER ledger_checkpoints_no_update_or_delete
  BEFORE UPDATE OR DELETE ON ledger_checkpoints
  FOR EACH ROW EXECUTE FUNCTION ledger_checkpoints_are_append_only();
CREATE TRIGGER ledger_checkpoints_no_truncate
  BEFORE TRUNCATE ON ledger_checkpoints
  FOR EACH STATEMENT EXECUTE FUNCTION ledger_checkpoints_are_append_only();
CREATE TRIGGER ledger_checkpoint_heads_no_update_or_delete
  BEFORE UPDATE OR DELETE ON ledger_checkpoint_heads
  FOR EACH ROW EXECUTE FUNCTION ledger_checkpoints_are_append_only();
CREATE TRIGGER ledger_checkpoint_heads_no_truncate
  BEFORE TRUNCATE ON ledger_checkpoint_heads
  FOR EACH STATEMENT EXECUTE FUNCTION ledger_checkpoints_are_append_only();
