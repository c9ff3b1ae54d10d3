-- Every checkpoint is signed (Ed25519) with a key held outside the database, so rewriting history
-- and then recomputing both the stream chains and the checkpoint chain is still caught: the
-- rewriter cannot sign. `signing_key_id` is the sha-256 of the signer's public key (SPKI DER).
ALTER TABLE ledger_checkpoints
  ADD COLUMN signing_key_id text,
  ADD COLUMN signature      text;

-- Verification compares every head any checkpoint recorded with today's events, stream by stream.
CREATE INDEX ledger_checkpoint_heads_by_stream
  ON ledger_checkpoint_heads (tenant_id, stream_id, stream_version, hash, checkpoint_id);
