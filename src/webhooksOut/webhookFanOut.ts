import { z } from 'zod';
import { paymentAggregate, reservationAggregate } from '../aggregates/index.js';
import type { Consumer } from '../consumers/consumer.js';
import type { Transaction } from '../db/transaction.js';
import { sql } from '../db/sql.js';
import { deliverWebhooksJob, jobsAsJson } from '../jobs/followUpJobs.js';
import type { RecordedEvent } from '../ledger/recordedEvent.js';
import { readStream } from '../ledger/readStream.js';
import { paymentData, reservationData, type WebhookSource, webhookSourceOf } from './webhookEvents.js';

export const OUTGOING_WEBHOOKS_CONSUMER = 'outgoing-webhooks';

const endpointRow = z.object({ endpoint_id: z.string() });

/**
 * Turns the log into deliveries: each reservation or payment event an endpoint subscribed to
 * becomes one delivery row, in the batch's transaction (so exactly once per event and endpoint),
 * and its lane's job is queued there too. The log is read in commit order, so a lane's deliveries
 * are numbered (by log position) in the order their events happened. An endpoint hears only of
 * events recorded after it was created.
 */
export const outgoingWebhooksConsumer: Consumer = {
  name: OUTGOING_WEBHOOKS_CONSUMER,
  async handle(tx, events) {
    for (const event of events) {
      const aggregate = reservationAggregate.owns(event.streamId)
        ? 'reservation'
        : paymentAggregate.owns(event.streamId)
          ? 'payment'
          : null;
      const source = aggregate === null ? null : webhookSourceOf(aggregate, event.type);
      if (source === null) continue;
      const endpoints = await tx.any(sql.type(endpointRow)`
        SELECT endpoint_id::text FROM webhook_endpoints
        WHERE tenant_id = ${event.tenantId} AND deleted_at IS NULL AND ${source.type} = ANY (event_types)
          AND created_at <= ${event.recordedAt}::timestamptz`);
      if (endpoints.length === 0) continue;
      const told = await webhookOf(tx, event, source);
      for (const { endpoint_id: endpointId } of endpoints) {
        await tx.query(sql.typeAlias('void')`
          INSERT INTO webhook_deliveries
            (tenant_id, delivery_id, endpoint_id, reservation_id, position, event_id, event_type, body, status, created_at)
          VALUES (${event.tenantId}, gen_random_uuid(), ${endpointId}, ${told.reservationId}, ${event.globalPosition},
            ${event.eventId}, ${source.type}, ${told.body}, 'pending', now())
          ON CONFLICT ON CONSTRAINT webhook_deliveries_once DO NOTHING`);
        const job = deliverWebhooksJob(event.tenantId, endpointId, told.reservationId);
        await tx.query(sql.typeAlias('void')`SELECT FROM ledger_enqueue_jobs(${jobsAsJson([job])}::jsonb)`);
      }
    }
  },
};

/** The webhook's body, with the reservation or payment as it stood just after the event. */
async function webhookOf(tx: Transaction, event: RecordedEvent, source: WebhookSource) {
  const upToEvent = (await readStream(tx, event.tenantId, event.streamId)).filter((one) => one.version <= event.version);
  const envelope = (data: object) => JSON.stringify({ type: source.type, timestamp: new Date(event.recordedAt).toISOString(), data });
  if (source.aggregate === 'reservation') {
    const state = reservationAggregate.fold(upToEvent, { streamId: event.streamId });
    if (state.status === 'none') throw new Error(`webhook of ${event.streamId}@${event.version}: the reservation does not exist`);
    return { reservationId: state.reservationId, body: envelope(reservationData(state, event.version)) };
  }
  const state = paymentAggregate.fold(upToEvent, { streamId: event.streamId });
  if (state.status === 'none') throw new Error(`webhook of ${event.streamId}@${event.version}: the payment does not exist`);
  return { reservationId: state.reservationId, body: envelope(paymentData(state)) };
}
