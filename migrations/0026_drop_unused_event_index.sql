-- No query reads the log by event type (reads go by stream, by commit order, or walk it whole), yet
-- every append maintained this index: one index write per event on the booking and webhook paths.
DROP INDEX events_tenant_type;
