-- Erasing a customer (ADR 0048) also clears the e-mail their login row copied from the ID token.
-- The application otherwise only reads users (rows are written by ledger_record_user_sighting):
-- it may now set that one column, and row-level security keeps it to the erasure's tenant.
GRANT UPDATE (email) ON users TO ledger_app;
