-- The slot stream's head (the hash of its last event) kept on the slot's availability row, so a
-- command that holds the row's lock can chain the slot's next events without reading the log.
-- `version` already is the head's version. The column is written by the same save function in
-- live updates and rebuilds, so `verify` compares it like every other column.
ALTER TABLE slot_availability ADD COLUMN head_hash text;

UPDATE slot_availability s
SET head_hash = e.hash
FROM events e
WHERE e.tenant_id = s.tenant_id AND e.stream_id = 'slot-' || s.slot_id AND e.stream_version = s.version;

ALTER TABLE slot_availability ALTER COLUMN head_hash SET NOT NULL;

-- No NOTIFY inside appending transactions any more: PostgreSQL serialises the commits of all
-- transactions that notified (one database-wide lock held through the WAL flush), which made
-- every booking and webhook commit one at a time. The application notifies after such a commit
-- instead (src/ledger/commitNotice.ts); consumers still poll as before.
DROP TRIGGER events_notify_consumers ON events;
DROP FUNCTION events_notify_consumers();
