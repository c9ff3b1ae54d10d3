import type { Queries } from '../db/queries.js';
import { z } from 'zod';
import { canonicalJson } from '../ledger/canonicalJson.js';
import { sha256 } from '../ledger/sha256.js';
import { sql } from '../db/sql.js';
import { tenantSettingSource } from '../db/transaction.js';
import { refuse } from './outcome.js';

const claimedRow = z.object({ claimed: z.boolean() });

/** Who is asking and for what: keys are scoped to the caller (tenant + user), never global. */
export type IdempotentRequest = {
  readonly tenantId: string;
  readonly subject: string;
  readonly key: string;
  readonly method: string;
  readonly path: string;
  readonly body: unknown;
};

export type StoredResponse = { readonly status: number; readonly body: unknown };

const storedKeyRow = z.object({
  request_hash: z.string(),
  state: z.enum(['in_flight', 'completed']),
  response_status: z.number().nullable(),
  response_body: z.unknown(),
  stale: z.boolean(),
});

export type ClaimOptions = {
  /**
   * For claims committed on their own before slow work (a provider call): an in-flight claim older
   * than this belongs to a request that died, and this request may take it over. Claims made inside
   * the command's own transaction never need it — they are never seen in flight.
   */
  readonly takeOverInFlightAfterSeconds?: number;
};

export function requestFingerprint(request: IdempotentRequest): string {
  return sha256(canonicalJson({ method: request.method, path: request.path, body: request.body ?? null }));
}

/**
 * The claim as one statement (returning `claimed` when this request owns the key, no row when it
 * was there already), which also sets the transaction's tenant: a command can run it alone or as
 * the first part of a larger statement (see claimKeyAndLockSlot).
 */
export function claimStatement(request: IdempotentRequest, now: string, fingerprint: string = requestFingerprint(request)) {
  return sql.fragment`
    INSERT INTO idempotency_keys (tenant_id, subject, idempotency_key, request_method, request_path, request_hash,
      state, created_at)
    SELECT ${request.tenantId}, ${request.subject}, ${request.key}, ${request.method}, ${request.path},
      ${fingerprint}, 'in_flight', ${now}::timestamptz
    FROM ${tenantSettingSource(request.tenantId)}
    ON CONFLICT DO NOTHING
    RETURNING true AS claimed`;
}

/**
 * Claims the key inside the command's own transaction. A concurrent request with the same key
 * blocks on the primary key until this transaction ends: if it committed, that request replays the
 * stored response; if it rolled back (a refusal writes nothing), that request runs afresh.
 * Returns the stored response to replay, or null when this request owns the key.
 */
export async function claimIdempotencyKey(
  tx: Queries,
  request: IdempotentRequest,
  now: string,
  options: ClaimOptions = {},
): Promise<StoredResponse | null> {
  const fingerprint = requestFingerprint(request);
  const claimed = await tx.maybeOne(sql.type(claimedRow)`${claimStatement(request, now, fingerprint)}`);
  if (claimed) return null;
  return replayOrTakeOver(tx, request, now, fingerprint, options);
}

/**
 * The key was there already (a concurrent holder has committed by now: the claim waited for it):
 * replays its stored response, refuses a different body (422) or a request still in flight (409),
 * or takes over a stale in-flight claim. Returns null only for a takeover.
 */
export async function replayOrTakeOver(
  tx: Queries,
  request: IdempotentRequest,
  now: string,
  fingerprint: string = requestFingerprint(request),
  options: ClaimOptions = {},
): Promise<StoredResponse | null> {
  const takeOverAfter = options.takeOverInFlightAfterSeconds ?? null;
  const stored = await tx.one(sql.type(storedKeyRow)`
    SELECT request_hash, state, response_status, response_body,
      COALESCE(created_at <= ${now}::timestamptz - make_interval(secs => ${takeOverAfter}), false) AS stale
    FROM idempotency_keys
    WHERE tenant_id = ${request.tenantId} AND subject = ${request.subject} AND idempotency_key = ${request.key}
    FOR UPDATE`);
  if (stored.request_hash !== fingerprint) {
    refuse({
      kind: 'IdempotencyKeyReused',
      message: 'this Idempotency-Key was already used with a different request',
    });
  }
  if (stored.state === 'completed' && stored.response_status !== null) {
    return { status: stored.response_status, body: stored.response_body };
  }
  if (!stored.stale) {
    refuse({ kind: 'IdempotencyKeyInFlight', message: 'a request with this Idempotency-Key is still running' });
  }
  await tx.query(sql.typeAlias('void')`
    UPDATE idempotency_keys SET created_at = ${now}::timestamptz
    WHERE tenant_id = ${request.tenantId} AND subject = ${request.subject} AND idempotency_key = ${request.key}`);
  return null;
}

/**
 * Gives a key back after the work it claimed at `claimedAt` failed before anything was recorded, so
 * a retry can run. Only that claim: a request that outlived the takeover delay may find its stale
 * claim taken over by a retry (which set its own `created_at`), and must not delete the retry's.
 */
export async function releaseIdempotencyKey(db: Queries, request: IdempotentRequest, claimedAt: string): Promise<void> {
  await db.query(sql.typeAlias('void')`
    DELETE FROM idempotency_keys
    WHERE tenant_id = ${request.tenantId} AND subject = ${request.subject} AND idempotency_key = ${request.key}
      AND state = 'in_flight' AND created_at = ${claimedAt}::timestamptz`);
}

/** Completing the claimed key with the response to replay: one statement, alone or in a command's write set. */
export function storeResponseStatement(request: IdempotentRequest, response: StoredResponse, now: string) {
  return sql.fragment`
    UPDATE idempotency_keys
    SET state = 'completed', response_status = ${response.status},
        response_body = ${canonicalJson(response.body)}::jsonb, completed_at = ${now}::timestamptz
    WHERE tenant_id = ${request.tenantId} AND subject = ${request.subject} AND idempotency_key = ${request.key}`;
}

/** The row key a write set knows the idempotency record by. */
export const idempotencyRowKey = (request: IdempotentRequest) =>
  `idempotency_keys:${request.tenantId}\u0000${request.subject}\u0000${request.key}`;
