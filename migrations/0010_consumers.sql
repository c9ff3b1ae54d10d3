-- Asynchronous consumers of the global log (reports, outboxes): where each one stands.
-- A consumer's effects and its checkpoint commit in one transaction, so a crash between the two
-- cannot happen: either both are kept or the batch is read again and applied once.
CREATE TABLE consumer_checkpoints (
  name             text        PRIMARY KEY,
  -- The last event taken, in commit order: (transaction_id, global_position) as readGlobalLog reads.
  transaction_id   xid8        NOT NULL DEFAULT '0'::xid8,
  global_position  bigint      NOT NULL DEFAULT 0,
  updated_at       timestamptz NOT NULL DEFAULT now()
);

-- Wakes consumers as soon as new events commit (NOTIFY is delivered at commit, never for a
-- rollback); one notification per statement keeps a large append from flooding listeners.
-- Consumers still poll, since a notification is lost while no listener is connected.
CREATE FUNCTION events_notify_consumers() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('ledger_events', '');
  RETURN NULL;
END;
$$;

CREATE TRIGGER events_notify_consumers
  AFTER INSERT ON events
  FOR EACH STATEMENT EXECUTE FUNCTION events_notify_consumers();
