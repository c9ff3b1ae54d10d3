-- Row-level security as a second line of tenant isolation (ADR 0014). The application's queries
-- already lead with tenant_id; these policies make the database refuse a query that forgot to.
--
-- Two NOLOGIN roles. The pool's connections run as ledger_app (a startup `-c role=` option, see
-- src/db/pool.ts); system jobs that must cross tenants switch to ledger_system for one transaction
-- (`withSystemTransaction`). The role that runs these migrations owns the tables and is not subject
-- to RLS (no FORCE: see the ADR); it is granted both roles so its connections may SET ROLE to them.

-- Roles are cluster-wide while migrations run per database, and tests migrate many databases of
-- one cluster, some at the same time: create each role once and tolerate losing the race.
DO $$
DECLARE
  role_name text;
BEGIN
  FOREACH role_name IN ARRAY ARRAY['ledger_app', 'ledger_system'] LOOP
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = role_name) THEN
      BEGIN
        EXECUTE format('CREATE ROLE %I NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS', role_name);
      EXCEPTION WHEN duplicate_object OR unique_violation THEN
        NULL; -- another database's migration created it a moment ago
      END;
    END IF;
    -- The migrating role's sessions SET ROLE to both. Granting needs ADMIN OPTION, which a role that a
    -- DBA made a member beforehand may lack: grant only when not a member yet (superusers always are).
    IF NOT pg_catalog.pg_has_role(current_user, role_name, 'MEMBER') THEN
      EXECUTE format('GRANT %I TO %I', role_name, current_user);
    END IF;
  END LOOP;
END;
$$;

-- The schema itself; CREATE stays with the owner.
GRANT USAGE ON SCHEMA public TO ledger_app, ledger_system;
-- nextval() of the identity columns and of the checkpoint id.
GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO ledger_app, ledger_system;

-- The event log: the application appends and reads, and has no privilege to UPDATE, DELETE or
-- TRUNCATE it (the append-only triggers of 0001 stay, for every other role). System jobs only read.
GRANT SELECT, INSERT ON events TO ledger_app;
GRANT SELECT ON events TO ledger_system;

-- Inline read models: upserted by commands; system jobs (rebuild-projections) swap them whole,
-- which needs DELETE and the EXCLUSIVE lock that UPDATE/DELETE allow.
GRANT SELECT, INSERT, UPDATE ON slot_availability, reservations_view, payments_view TO ledger_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON slot_availability, reservations_view, payments_view TO ledger_system;

-- A key whose work failed before anything was recorded is deleted so the client may retry.
GRANT SELECT, INSERT, UPDATE, DELETE ON idempotency_keys TO ledger_app;

-- Users are written only through ledger_record_user_sighting below; the application may read its tenant's.
GRANT SELECT ON users TO ledger_app;

-- Webhook inbox: matched events are claimed in the payment's tenant; events that match no payment
-- (or that we ignore) are kept by ledger_system, with the tenant they claim or none.
GRANT SELECT, INSERT, UPDATE ON webhook_inbox TO ledger_app, ledger_system;

-- Refund outbox: written in the cancel's tenant transaction; due rows are claimed across tenants.
GRANT SELECT, INSERT, UPDATE ON refund_outbox TO ledger_app;
GRANT SELECT, UPDATE ON refund_outbox TO ledger_system;

-- Reports: folded by the daily-reports consumer (system), read by staff of one tenant.
GRANT SELECT ON report_slot_occupancy, report_payments, report_revenue_daily TO ledger_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON report_slot_occupancy, report_payments, report_revenue_daily TO ledger_system;

-- Cross-tenant bookkeeping of system jobs; the application has no access at all.
GRANT SELECT, INSERT, UPDATE ON consumer_checkpoints TO ledger_system;
-- UPDATE only because LOCK ... SHARE ROW EXCLUSIVE requires it (PostgreSQL < 17 has no MAINTAIN);
-- the append-only triggers of 0012 still refuse every UPDATE.
GRANT SELECT, INSERT, UPDATE ON ledger_checkpoints TO ledger_system;
GRANT SELECT, INSERT ON ledger_checkpoint_heads TO ledger_system;

-- The policies. `app.tenant_id` is set transaction-locally by withTransaction; unset it is NULL, and
-- after an earlier transaction of the same session set it, it reads as '' — NULLIF makes both match
-- no row, so a query without a tenant sees nothing and can write nothing.
CREATE FUNCTION ledger_current_tenant() RETURNS text
  LANGUAGE sql STABLE PARALLEL SAFE
  AS $$ SELECT NULLIF(pg_catalog.current_setting('app.tenant_id', true), '') $$;

DO $$
DECLARE
  table_name text;
BEGIN
  FOREACH table_name IN ARRAY ARRAY[
    'events', 'slot_availability', 'reservations_view', 'payments_view', 'idempotency_keys', 'users',
    'webhook_inbox', 'refund_outbox', 'report_slot_occupancy', 'report_payments', 'report_revenue_daily',
    'ledger_checkpoint_heads'
  ] LOOP
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', table_name);
    EXECUTE format(
      'CREATE POLICY tenant_isolation ON %I AS PERMISSIVE FOR ALL TO ledger_app '
      'USING (tenant_id = ledger_current_tenant()) WITH CHECK (tenant_id = ledger_current_tenant())',
      table_name);
    EXECUTE format(
      'CREATE POLICY system_jobs ON %I AS PERMISSIVE FOR ALL TO ledger_system USING (true) WITH CHECK (true)',
      table_name);
  END LOOP;
END;
$$;

-- Get-or-create of a user by `sub`, refusing to move it to another tenant: it must see the stored
-- row whatever its tenant, which RLS would hide (and the upsert's conflict check would turn into an
-- error). Rather than letting the request path become ledger_system, this one statement runs with
-- its owner's rights and returns only the tenant the `sub` is bound to.
CREATE FUNCTION ledger_record_user_sighting(
  p_tenant_id text, p_sub text, p_email text, p_groups text[], p_seen_at timestamptz
) RETURNS text
  LANGUAGE sql VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, public
  AS $$
    INSERT INTO public.users AS u (tenant_id, sub, email, groups, first_seen, last_seen)
    VALUES (p_tenant_id, p_sub, p_email, p_groups, p_seen_at, p_seen_at)
    ON CONFLICT (sub) DO UPDATE SET
      email = CASE WHEN u.tenant_id = EXCLUDED.tenant_id THEN EXCLUDED.email ELSE u.email END,
      groups = CASE WHEN u.tenant_id = EXCLUDED.tenant_id THEN EXCLUDED.groups ELSE u.groups END,
      last_seen = CASE WHEN u.tenant_id = EXCLUDED.tenant_id THEN EXCLUDED.last_seen ELSE u.last_seen END
    RETURNING u.tenant_id
  $$;
REVOKE ALL ON FUNCTION ledger_record_user_sighting(text, text, text, text[], timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION ledger_record_user_sighting(text, text, text, text[], timestamptz) TO ledger_app;

-- Which tenant a provider's event belongs to, before any tenant is set: by the payment id we gave
-- the provider (narrowed by the tenant the event claims, when it claims one), or by the provider's
-- own payment id. At most two rows, so the caller can refuse an ambiguous match instead of guessing.
CREATE FUNCTION ledger_find_payment_by_id(p_payment_id uuid, p_tenant_id text)
RETURNS TABLE (tenant_id text, payment_id text, reservation_id text, provider text)
  LANGUAGE sql STABLE SECURITY DEFINER
  SET search_path = pg_catalog, public
  AS $$
    SELECT p.tenant_id, p.payment_id::text, p.reservation_id::text, p.provider FROM public.payments_view p
    WHERE p.payment_id = p_payment_id AND (p_tenant_id IS NULL OR p.tenant_id = p_tenant_id)
    LIMIT 2
  $$;
CREATE FUNCTION ledger_find_payment_by_provider_id(p_providers text[], p_provider_payment_id text)
RETURNS TABLE (tenant_id text, payment_id text, reservation_id text, provider text)
  LANGUAGE sql STABLE SECURITY DEFINER
  SET search_path = pg_catalog, public
  AS $$
    SELECT p.tenant_id, p.payment_id::text, p.reservation_id::text, p.provider FROM public.payments_view p
    WHERE p.provider = ANY (p_providers) AND p.provider_payment_id = p_provider_payment_id
    LIMIT 2
  $$;
REVOKE ALL ON FUNCTION ledger_find_payment_by_id(uuid, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION ledger_find_payment_by_provider_id(text[], text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION ledger_find_payment_by_id(uuid, text) TO ledger_app, ledger_system;
GRANT EXECUTE ON FUNCTION ledger_find_payment_by_provider_id(text[], text) TO ledger_app, ledger_system;
