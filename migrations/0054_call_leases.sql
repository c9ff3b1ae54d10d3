-- Leases on outgoing calls (ADR 0055): a follow-up job that calls an outside server (a webhook
-- receiver, the activity panel) claims its lane here in a short transaction, commits, and makes the
-- call with no transaction open; a second short transaction records the outcome and deletes the row.
-- A row whose `leased_until` has passed is free to claim again: its holder died or hung mid-call,
-- and the work is done again (at-least-once to the receiver, which the webhook-id and the panel's
-- version rule make harmless). Times are the database's clock, the one every instance shares.
CREATE TABLE call_leases (
  -- What is leased: `webhooks:<endpointId>:<reservationId>` or `panel-push:<tenantId>:<reservationId>`.
  lease_key     text        PRIMARY KEY,
  -- Who holds it: a fresh id per claim, so a holder that outlived its lease cannot release the next one's.
  holder        uuid        NOT NULL,
  leased_until  timestamptz NOT NULL
);

-- Only system work (the job worker's sessions) claims and releases leases; requests never see them.
GRANT SELECT, INSERT, UPDATE, DELETE ON call_leases TO ledger_system;

ALTER TABLE call_leases ENABLE ROW LEVEL SECURITY;
CREATE POLICY system_jobs ON call_leases AS PERMISSIVE FOR ALL TO ledger_system USING (true) WITH CHECK (true);
