-- A provider event that matches no payment is kept in the inbox with no tenant of ours. The request
-- that receives it used to take ledger_system for that; the server's login now holds only ledger_app
-- (ADR 0034), so the application role gets exactly these two steps, run with the owner's rights:
-- claim the event (a 'pending' row naming no payment and no tenant), then settle that claim as
-- 'unmatched' or 'ignored'. A pending row is only ever seen by the transaction that claimed it (it
-- settles it before it commits), so the second function can settle nothing but the caller's own
-- claim. Nothing here reads another tenant's rows back.
CREATE FUNCTION ledger_claim_unmatched_event(
  p_provider text, p_provider_event_id text, p_source text, p_payload jsonb, p_received_at timestamptz
) RETURNS boolean
  LANGUAGE sql VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, public
  AS $$
    WITH claimed AS (
      INSERT INTO public.webhook_inbox (provider, provider_event_id, source, outcome, tenant_id, payload, received_at)
      VALUES (p_provider, p_provider_event_id, p_source, 'pending', NULL, p_payload, p_received_at)
      ON CONFLICT (provider, provider_event_id) DO NOTHING
      RETURNING true)
    SELECT EXISTS (SELECT FROM claimed)
  $$;

CREATE FUNCTION ledger_settle_unmatched_event(
  p_provider text, p_provider_event_id text, p_outcome text, p_tenant_id text, p_signal text, p_detail text
) RETURNS void
  LANGUAGE plpgsql VOLATILE SECURITY DEFINER
  SET search_path = pg_catalog, public
  AS $$
  BEGIN
    IF p_outcome NOT IN ('unmatched', 'ignored') THEN
      RAISE EXCEPTION 'an event without a payment is settled as unmatched or ignored, not %', p_outcome;
    END IF;
    UPDATE public.webhook_inbox
    SET outcome = p_outcome, tenant_id = p_tenant_id, signal = p_signal, detail = p_detail
    WHERE provider = p_provider AND provider_event_id = p_provider_event_id
      AND outcome = 'pending' AND tenant_id IS NULL AND payment_id IS NULL;
    IF NOT FOUND THEN
      RAISE EXCEPTION 'no pending claim of event % of %', p_provider_event_id, p_provider;
    END IF;
  END;
  $$;

REVOKE ALL ON FUNCTION ledger_claim_unmatched_event(text, text, text, jsonb, timestamptz) FROM PUBLIC;
REVOKE ALL ON FUNCTION ledger_settle_unmatched_event(text, text, text, text, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION ledger_claim_unmatched_event(text, text, text, jsonb, timestamptz) TO ledger_app;
GRANT EXECUTE ON FUNCTION ledger_settle_unmatched_event(text, text, text, text, text, text) TO ledger_app;
