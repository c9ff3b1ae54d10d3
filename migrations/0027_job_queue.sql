-- Follow-up work (refunds, hold expiry, reconciliation, checkpoints, and later panel pushes,
-- e-mails and outgoing webhooks) is a graphile-worker job enqueued in the command's own
-- transaction (ADR 0027): it exists exactly when the change committed. graphile-worker's own
-- migrations (schema graphile_worker) run just before this file, from src/db/migrate.ts.
--
-- The application roles get no privilege on graphile_worker's tables: they enqueue through this
-- one function, which runs with its owner's rights and takes a JSON array so that a command's
-- write statement enqueues any number of jobs with one parameter (one statement shape).
CREATE FUNCTION ledger_enqueue_jobs(jobs jsonb) RETURNS void
LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
  SELECT count(graphile_worker.add_job(
    j.task, j.payload::json,
    run_at => j.run_at, max_attempts => j.max_attempts, job_key => j.job_key, job_key_mode => coalesce(j.job_key_mode, 'replace')))
  FROM jsonb_to_recordset(jobs) AS j(task text, payload jsonb, run_at timestamptz, max_attempts integer, job_key text, job_key_mode text);
$$;
REVOKE ALL ON FUNCTION ledger_enqueue_jobs(jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION ledger_enqueue_jobs(jsonb) TO ledger_app, ledger_system;

-- The refund outbox becomes jobs: refunds asked for and not yet sent move onto the queue, keyed
-- per payment as new ones are, and the outbox (polled with pg_xact_status) goes.
SELECT ledger_enqueue_jobs(coalesce(jsonb_agg(jsonb_build_object(
  'task', 'sendRefund',
  'payload', jsonb_build_object('tenantId', tenant_id, 'paymentId', payment_id::text),
  'job_key', 'refund:' || tenant_id || ':' || payment_id::text)), '[]'::jsonb))
FROM refund_outbox WHERE submitted_at IS NULL;
DROP TABLE refund_outbox;
