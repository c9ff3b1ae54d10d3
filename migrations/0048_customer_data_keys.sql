-- Crypto-shredding of customers' personal data (ADR 0048). Each customer of a tenant (tenant +
-- e-mail) has a data key; personal fields in events and read models are stored sealed under it
-- (AES-256-GCM, `pii1.<key_id>.<…>`). The data key is stored only wrapped by a key outside the
-- database (KMS, a master key). Erasing the customer deletes the wrapped key and the lookup key:
-- the row stays as a tombstone that says when, so a sealed value of that key reads as `[erased]`
-- rather than as a missing key.
CREATE TABLE customer_data_keys (
  key_id        uuid        PRIMARY KEY,
  tenant_id     text        NOT NULL,
  -- HMAC-SHA256 (under the lookup secret below) of tenant + lowercased e-mail: finds the key by
  -- e-mail without storing the e-mail. NULL once erased.
  customer_key  text,
  wrapped_key   text,
  created_at    timestamptz NOT NULL DEFAULT now(),
  erased_at     timestamptz,
  CONSTRAINT erased_keys_keep_nothing CHECK (
    (erased_at IS NULL AND customer_key IS NOT NULL AND wrapped_key IS NOT NULL)
    OR (erased_at IS NOT NULL AND customer_key IS NULL AND wrapped_key IS NULL))
);
CREATE UNIQUE INDEX customer_data_keys_customer ON customer_data_keys (tenant_id, customer_key) WHERE customer_key IS NOT NULL;

GRANT SELECT, UPDATE ON customer_data_keys TO ledger_app, ledger_system;
ALTER TABLE customer_data_keys ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON customer_data_keys AS PERMISSIVE FOR ALL TO ledger_app
  USING (tenant_id = ledger_current_tenant()) WITH CHECK (tenant_id = ledger_current_tenant());
CREATE POLICY system_jobs ON customer_data_keys AS PERMISSIVE FOR ALL TO ledger_system USING (true) WITH CHECK (true);

-- The secret the lookup keys are computed with, wrapped like a data key; one row, made on first use.
-- No tenant's data, so no tenant policy: the roles reach it only through the function below.
CREATE TABLE personal_data_lookup_secret (
  id              integer PRIMARY KEY CHECK (id = 1),
  wrapped_secret  text    NOT NULL
);

-- The stored (wrapped) lookup secret; `p_candidate` is stored first when there is none yet, and the
-- first process's candidate wins for everyone.
CREATE FUNCTION ledger_personal_data_lookup_secret(p_candidate text) RETURNS text
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, public
AS $$
BEGIN
  IF p_candidate IS NOT NULL THEN
    INSERT INTO personal_data_lookup_secret (id, wrapped_secret) VALUES (1, p_candidate) ON CONFLICT DO NOTHING;
  END IF;
  RETURN (SELECT wrapped_secret FROM personal_data_lookup_secret WHERE id = 1);
END;
$$;
REVOKE ALL ON FUNCTION ledger_personal_data_lookup_secret(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION ledger_personal_data_lookup_secret(text) TO ledger_app, ledger_system;

-- Get-or-create of a customer's data key in one statement, before a hold takes its slot's lock and
-- outside any transaction: the request path has no tenant set yet, so this runs with its owner's
-- rights and is given the tenant. Without a new key it only looks; with one it inserts it unless
-- another request got there first, and returns the key that won.
CREATE FUNCTION ledger_customer_data_key(
  p_tenant_id text, p_customer_key text, p_new_key_id uuid DEFAULT NULL, p_new_wrapped_key text DEFAULT NULL
) RETURNS TABLE (key_id uuid, wrapped_key text)
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, public
AS $$
BEGIN
  IF p_new_key_id IS NOT NULL THEN
    INSERT INTO customer_data_keys AS k (key_id, tenant_id, customer_key, wrapped_key)
    VALUES (p_new_key_id, p_tenant_id, p_customer_key, p_new_wrapped_key)
    ON CONFLICT (tenant_id, customer_key) WHERE customer_key IS NOT NULL DO NOTHING;
  END IF;
  RETURN QUERY SELECT k.key_id, k.wrapped_key FROM customer_data_keys k
    WHERE k.tenant_id = p_tenant_id AND k.customer_key = p_customer_key;
END;
$$;
REVOKE ALL ON FUNCTION ledger_customer_data_key(text, text, uuid, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION ledger_customer_data_key(text, text, uuid, text) TO ledger_app;
