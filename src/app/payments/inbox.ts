import type { Queries } from '../../db/queries.js';
import { z } from 'zod';
import type { SignalSource } from '../../domain/payment.js';
import { sql } from '../../db/sql.js';
import { tenantSettingSource } from '../../db/transaction.js';
import type { ProviderEvent } from '../../payments/provider.js';

const claimedRow = z.object({ claimed: z.boolean() });

export type InboxOutcome = 'applied' | 'anomaly' | 'unchanged' | 'ignored' | 'unmatched';

/**
 * Claims the event's inbox row in the applying transaction. A concurrent delivery of the same event
 * waits here on the primary key until the first commits (then finds the row: a duplicate) or rolls
 * back (then claims it and applies it itself), so an event is applied exactly once either way.
 * `tenantId` is the matched payment's (the transaction's own tenant), or null for an event that
 * matched no payment, claimed with no tenant; the conflict check sees every tenant's rows.
 */
export async function claimInboxRow(
  tx: Queries,
  event: ProviderEvent,
  source: SignalSource,
  now: string,
  tenantId: string | null,
): Promise<boolean> {
  const row = await tx.maybeOne(sql.type(claimedRow)`${claimInboxStatement(event, source, now, tenantId)}`);
  return row !== null;
}

/**
 * The claim as one statement (`claimed` when this delivery owns the event, no row for a repeat). With
 * a tenant, the same statement enters that tenant for the rest of the transaction (its row is made
 * from `tenantSettingSource`, so the policy check already sees the tenant): no round trip of its own.
 */
export function claimInboxStatement(event: ProviderEvent, source: SignalSource, now: string, tenantId: string | null) {
  if (tenantId === null) {
    // Outside any tenant the application role claims only through migration 0034's function.
    return sql.fragment`
      SELECT true AS claimed
      WHERE ledger_claim_unmatched_event(${event.account}, ${event.eventId}, ${source},
        ${JSON.stringify(event.payload ?? null)}::jsonb, ${now}::timestamptz)`;
  }
  const values = sql.fragment`${event.account}, ${event.eventId}, ${source}, 'pending', ${tenantId},
      ${JSON.stringify(event.payload ?? null)}::jsonb, ${now}::timestamptz`;
  return sql.fragment`
    INSERT INTO webhook_inbox (provider, provider_event_id, source, outcome, tenant_id, payload, received_at)
    SELECT ${values} FROM ${tenantSettingSource(tenantId)}
    ON CONFLICT (provider, provider_event_id) DO NOTHING
    RETURNING true AS claimed`;
}

/**
 * True, inside the applying transaction, exactly when this transaction claimed the event: a claimed
 * row stays `pending` until the same transaction settles it, so a committed row is never pending.
 * A statement sent behind the claim can take its locks only if this holds.
 */
export function claimedHere(event: ProviderEvent) {
  return sql.fragment`EXISTS (
    SELECT FROM webhook_inbox
    WHERE provider = ${event.account} AND provider_event_id = ${event.eventId} AND outcome = 'pending')`;
}

export type InboxSettlement = {
  readonly outcome: InboxOutcome;
  readonly tenantId?: string | undefined;
  readonly paymentId?: string | undefined;
  readonly detail?: string | undefined;
};

/** Records what the claimed event did: one statement, alone or in the applying command's write set. */
export function settleInboxStatement(event: ProviderEvent, settled: InboxSettlement) {
  const signal = event.kind === 'signal' ? event.signal : null;
  return sql.fragment`
    UPDATE webhook_inbox
    SET outcome = ${settled.outcome}, tenant_id = ${settled.tenantId ?? null}, payment_id = ${settled.paymentId ?? null}::uuid,
        signal = ${signal}, detail = ${settled.detail ?? null}
    WHERE provider = ${event.account} AND provider_event_id = ${event.eventId}`;
}

/**
 * Settles the claim of an event that matched no payment (`claimInboxStatement` without a tenant),
 * through migration 0034's function. A SELECT: it runs only as the main query of its write set,
 * which a command without a tenant never shares with other writes (writeDecision checks it).
 */
export function settleUnmatchedStatement(event: ProviderEvent, settled: InboxSettlement) {
  const signal = event.kind === 'signal' ? event.signal : null;
  return sql.fragment`
    SELECT FROM ledger_settle_unmatched_event(${event.account}, ${event.eventId}, ${settled.outcome},
      ${settled.tenantId ?? null}, ${signal}, ${settled.detail ?? null})`;
}

/** The row key a write set knows the event's inbox row by. */
export const inboxRowKey = (event: ProviderEvent) => `webhook_inbox:${event.account}\u0000${event.eventId}`;

const unmatchedRow = z.object({
  provider: z.string(),
  provider_event_id: z.string(),
  source: z.string(),
  signal: z.string().nullable(),
  detail: z.string().nullable(),
  received_at: z.string(),
});

/** Verified events that named no payment of ours (kept, never dropped), for the tenant they claim to belong to. */
export async function listUnmatchedEvents(db: Queries, tenantId: string, limit: number) {
  const rows = await db.any(sql.type(unmatchedRow)`
    SELECT provider, provider_event_id, source, signal, detail, received_at FROM webhook_inbox
    WHERE tenant_id = ${tenantId} AND outcome = 'unmatched'
    ORDER BY received_at DESC, provider_event_id
    LIMIT ${limit}`);
  return rows.map((row) => ({
    provider: row.provider,
    providerEventId: row.provider_event_id,
    source: row.source,
    signal: row.signal,
    detail: row.detail,
    receivedAt: row.received_at,
  }));
}
