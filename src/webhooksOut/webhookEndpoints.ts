import { z } from 'zod';
import { claimIdempotencyKey, type IdempotentRequest, storeResponseStatement } from '../app/idempotency.js';
import { type AppError, fail, notFound, type Outcome, runRefusable, succeed } from '../app/outcome.js';
import { invalidCommand } from '../domain/errors.js';
import type { DatabasePool } from '../db/pool.js';
import { sql } from '../db/sql.js';
import { withTransaction } from '../db/transaction.js';
import { deliverWebhooksJob, jobsAsJson } from '../jobs/followUpJobs.js';
import { addressesOf, type HostResolver, judgeTarget, type TargetRule } from './addressRule.js';
import type { WebhookEventType } from './webhookEvents.js';
import { newWebhookSecret } from './webhookSigning.js';

export type WebhookEndpoint = {
  readonly id: string;
  readonly url: string;
  readonly events: readonly string[];
  readonly createdAt: string;
};

export type WebhookAttempt = { readonly attemptedAt: string; readonly responseStatus?: number; readonly error?: string };

export type WebhookDelivery = {
  readonly deliveryId: string;
  readonly type: string;
  readonly reservationId: string;
  readonly status: 'pending' | 'delivered' | 'failed';
  readonly createdAt: string;
  readonly attempts: readonly WebhookAttempt[];
};

export type EndpointManagement = {
  readonly pool: DatabasePool;
  readonly clock: () => Date;
  readonly rule: TargetRule;
  readonly resolve: HostResolver;
};

const endpointRow = z.object({ endpoint_id: z.string(), url: z.string(), event_types: z.array(z.string()), created_at: z.string() });
const toEndpoint = (row: z.infer<typeof endpointRow>): WebhookEndpoint => ({
  id: row.endpoint_id,
  url: row.url,
  events: row.event_types,
  createdAt: new Date(row.created_at).toISOString(),
});

/** A URL the rule refuses: answered as an invalid request, with why. */
const refusedTarget = (reason: string): AppError => invalidCommand(`url: ${reason}`);

export type EndpointCreated = {
  readonly status: number;
  /** The endpoint with its secret; a replay (same Idempotency-Key) answers the endpoint without it. */
  readonly body: unknown;
  readonly replayed: boolean;
};

/**
 * Registers an endpoint and makes its secret: the only moment the secret leaves the database's
 * system side (the server's login can write it, not read it back). The URL is judged by the
 * address rule now, and again before every send. Keyed like every creating request: a retry with
 * the same Idempotency-Key answers the endpoint it made, but not its secret again (the stored
 * answer leaves it out, so the secret is kept nowhere the server's login can read).
 */
export async function createEndpoint(
  deps: EndpointManagement,
  idempotency: IdempotentRequest,
  request: { readonly url: string; readonly events: readonly WebhookEventType[] },
): Promise<Outcome<EndpointCreated>> {
  const url = new URL(request.url);
  let addresses: readonly string[];
  try {
    addresses = await addressesOf(url, deps.resolve);
  } catch (error) {
    return fail(refusedTarget(`${url.hostname} could not be resolved (${error instanceof Error ? error.message : String(error)})`));
  }
  const verdict = judgeTarget(url, addresses, deps.rule);
  if (!verdict.allowed) return fail(refusedTarget(verdict.reason));
  const { tenantId } = idempotency;
  const events = [...new Set(request.events)];
  return runRefusable(() =>
    withTransaction(
      deps.pool,
      async (tx): Promise<EndpointCreated> => {
        const now = deps.clock().toISOString();
        const stored = await claimIdempotencyKey(tx, idempotency, now);
        if (stored) return { ...stored, replayed: true };
        const secret = newWebhookSecret();
        const row = await tx.one(sql.type(endpointRow)`
          INSERT INTO webhook_endpoints (tenant_id, endpoint_id, url, event_types, secret, created_at)
          VALUES (${tenantId}, gen_random_uuid(), ${url.toString()}, ${sql.array(events, 'text')}, ${secret}, ${now}::timestamptz)
          RETURNING endpoint_id::text, url, event_types, created_at::text`);
        const endpoint = toEndpoint(row);
        await tx.query(sql.typeAlias('void')`${storeResponseStatement(idempotency, { status: 201, body: endpoint }, now)}`);
        return { status: 201, body: { ...endpoint, secret }, replayed: false };
      },
      { tenantId },
    ),
  );
}

export async function listEndpoints(pool: DatabasePool, tenantId: string): Promise<WebhookEndpoint[]> {
  const rows = await withTransaction(
    pool,
    (tx) =>
      tx.any(sql.type(endpointRow)`
        SELECT endpoint_id::text, url, event_types, created_at::text FROM webhook_endpoints
        WHERE tenant_id = ${tenantId} AND deleted_at IS NULL ORDER BY created_at, endpoint_id`),
    { tenantId },
  );
  return rows.map(toEndpoint);
}

/** Removes an endpoint: nothing more is sent to it; its deliveries stay readable. */
export async function removeEndpoint(deps: EndpointManagement, tenantId: string, endpointId: string): Promise<Outcome<null>> {
  const removed = await withTransaction(
    deps.pool,
    (tx) =>
      tx.maybeOne(sql.type(z.object({ endpoint_id: z.string() }))`
        UPDATE webhook_endpoints SET deleted_at = ${deps.clock().toISOString()}::timestamptz
        WHERE tenant_id = ${tenantId} AND endpoint_id = ${endpointId} AND deleted_at IS NULL
        RETURNING endpoint_id::text`),
    { tenantId },
  );
  return removed ? succeed(null) : fail(notFound(`webhook endpoint ${endpointId}`));
}

const deliveryRow = z.object({
  delivery_id: z.string(),
  event_type: z.string(),
  reservation_id: z.string(),
  status: z.enum(['pending', 'delivered', 'failed']),
  created_at: z.string(),
  attempts: z.array(z.object({ attempted_at: z.string(), response_status: z.number().nullable(), error: z.string().nullable() })),
});

/** How many deliveries the list shows: the latest. */
const DELIVERIES_SHOWN = 100;

/** An endpoint's latest deliveries, each with every attempt at sending it. */
export async function listDeliveries(pool: DatabasePool, tenantId: string, endpointId: string): Promise<Outcome<WebhookDelivery[]>> {
  return withTransaction(
    pool,
    async (tx) => {
      const known = await tx.maybeOne(sql.type(z.object({ found: z.boolean() }))`
        SELECT true AS found FROM webhook_endpoints WHERE tenant_id = ${tenantId} AND endpoint_id = ${endpointId}`);
      if (!known) return fail(notFound(`webhook endpoint ${endpointId}`));
      const rows = await tx.any(sql.type(deliveryRow)`
        SELECT d.delivery_id::text, d.event_type, d.reservation_id, d.status, d.created_at::text,
          coalesce((SELECT jsonb_agg(jsonb_build_object('attempted_at', a.attempted_at, 'response_status', a.response_status, 'error', a.error)
                                     ORDER BY a.attempted_at)
                    FROM webhook_attempts a WHERE a.tenant_id = d.tenant_id AND a.delivery_id = d.delivery_id), '[]'::jsonb) AS attempts
        FROM webhook_deliveries d
        WHERE d.tenant_id = ${tenantId} AND d.endpoint_id = ${endpointId}
        ORDER BY d.position DESC, d.created_at DESC LIMIT ${DELIVERIES_SHOWN}`);
      return succeed(
        rows.map((row) => ({
          deliveryId: row.delivery_id,
          type: row.event_type,
          reservationId: row.reservation_id,
          status: row.status,
          createdAt: new Date(row.created_at).toISOString(),
          attempts: row.attempts.map((a) => ({
            attemptedAt: new Date(a.attempted_at).toISOString(),
            ...(a.response_status === null ? {} : { responseStatus: a.response_status }),
            ...(a.error === null ? {} : { error: a.error }),
          })),
        })),
      );
    },
    { tenantId },
  );
}

/**
 * Sends a delivery again, whatever became of it: it is pending again (its retry period starting
 * afresh) and its lane is queued now. It goes out in its lane's order, before any later event
 * still pending for that reservation.
 */
export async function redeliver(
  pool: DatabasePool,
  tenantId: string,
  endpointId: string,
  deliveryId: string,
): Promise<Outcome<{ deliveryId: string; status: 'pending' }>> {
  return withTransaction(
    pool,
    async (tx) => {
      const row = await tx.maybeOne(sql.type(z.object({ reservation_id: z.string() }))`
        UPDATE webhook_deliveries d SET status = 'pending', first_failed_at = NULL
        FROM webhook_endpoints e
        WHERE d.tenant_id = ${tenantId} AND d.endpoint_id = ${endpointId} AND d.delivery_id = ${deliveryId}
          AND e.tenant_id = d.tenant_id AND e.endpoint_id = d.endpoint_id AND e.deleted_at IS NULL
        RETURNING d.reservation_id`);
      if (!row) return fail(notFound(`delivery ${deliveryId} of webhook endpoint ${endpointId}`));
      const job = deliverWebhooksJob(tenantId, endpointId, row.reservation_id);
      await tx.query(sql.typeAlias('void')`SELECT FROM ledger_enqueue_jobs(${jobsAsJson([job])}::jsonb)`);
      return succeed({ deliveryId, status: 'pending' as const });
    },
    { tenantId },
  );
}
