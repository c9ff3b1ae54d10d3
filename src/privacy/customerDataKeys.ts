import { z } from 'zod';
import type { Queries } from '../db/queries.js';
import { sql } from '../db/sql.js';

const keyRow = z.object({ key_id: z.string(), wrapped_key: z.string() });
const storedKeyRow = z.object({ key_id: z.string(), wrapped_key: z.string().nullable() });
const secretRow = z.object({ wrapped_secret: z.string().nullable() });
const erasedRow = z.object({ key_id: z.string() });

export type WrappedDataKey = { readonly keyId: string; readonly wrappedKey: string };

/** The customer's live data key, looked up (and inserted when `create` is given) in one statement, with no tenant set. */
export async function customerDataKey(
  db: Queries,
  tenantId: string,
  customerKey: string,
  create?: WrappedDataKey,
): Promise<WrappedDataKey | null> {
  const row = await db.maybeOne(sql.type(keyRow)`
    SELECT key_id::text, wrapped_key FROM ledger_customer_data_key(${tenantId}, ${customerKey},
      ${create?.keyId ?? null}::uuid, ${create?.wrappedKey ?? null})`);
  return row === null ? null : { keyId: row.key_id, wrappedKey: row.wrapped_key };
}

/** The stored (wrapped) keys of these ids that the transaction's tenant can see; an erased key has `wrappedKey: null`. */
export async function storedDataKeys(db: Queries, keyIds: readonly string[]): Promise<Map<string, string | null>> {
  if (keyIds.length === 0) return new Map();
  const rows = await db.any(sql.type(storedKeyRow)`
    SELECT key_id::text, wrapped_key FROM customer_data_keys WHERE key_id = ANY(${sql.array(keyIds, 'uuid')})`);
  return new Map(rows.map((row) => [row.key_id, row.wrapped_key]));
}

/** A customer's data key: by the lookup key of their e-mail (an admin's erasure) or by its id (the retention sweep). */
export type CustomerDataKeyRef = { readonly customerKey: string } | { readonly keyId: string };

/**
 * Destroys the tenant's live data key of this customer: the wrapped key and the lookup key go, the
 * row stays as a tombstone. Returns the erased key's id, or null when there was none (never a
 * customer, or erased already).
 */
export async function eraseCustomerDataKey(
  tx: Queries,
  tenantId: string,
  customer: CustomerDataKeyRef,
  now: string,
): Promise<string | null> {
  const which =
    'customerKey' in customer ? sql.fragment`customer_key = ${customer.customerKey}` : sql.fragment`key_id = ${customer.keyId}::uuid`;
  const row = await tx.maybeOne(sql.type(erasedRow)`
    UPDATE customer_data_keys SET customer_key = NULL, wrapped_key = NULL, erased_at = ${now}::timestamptz
    WHERE tenant_id = ${tenantId} AND ${which} AND erased_at IS NULL
    RETURNING key_id::text`);
  return row?.key_id ?? null;
}

const dueKeyRow = z.object({ tenant_id: z.string(), key_id: z.string() });

/**
 * Live data keys (system role, every tenant) whose customer has no reservation departing at or after
 * `cutoff`, made before it: every booking of theirs is older than the retention period. A key made
 * after the cutoff may belong to a hold in progress (the key is made before the hold's lock).
 */
export async function customerKeysPastRetention(
  db: Queries,
  cutoff: string,
  limit: number,
): Promise<{ tenantId: string; keyId: string }[]> {
  const rows = await db.any(sql.type(dueKeyRow)`
    SELECT k.tenant_id, k.key_id::text FROM customer_data_keys k
    WHERE k.erased_at IS NULL AND k.created_at < ${cutoff}::timestamptz
      AND NOT EXISTS (
        SELECT FROM reservations_view r
        JOIN slot_availability s ON s.tenant_id = r.tenant_id AND s.slot_id = r.slot_id
        WHERE r.tenant_id = k.tenant_id AND r.customer_email_key = k.key_id::text AND s.starts_at >= ${cutoff}::timestamptz)
    ORDER BY k.created_at
    LIMIT ${limit}`);
  return rows.map((row) => ({ tenantId: row.tenant_id, keyId: row.key_id }));
}

/** The wrapped lookup secret, stored by the first process that needed one (`candidate`) unless another got there first. */
export async function lookupSecret(db: Queries, candidate: () => Promise<string>): Promise<string> {
  const stored = await db.one(sql.type(secretRow)`SELECT ledger_personal_data_lookup_secret(NULL) AS wrapped_secret`);
  if (stored.wrapped_secret !== null) return stored.wrapped_secret;
  const row = await db.one(sql.type(secretRow)`SELECT ledger_personal_data_lookup_secret(${await candidate()}) AS wrapped_secret`);
  if (row.wrapped_secret === null) throw new Error('the personal data lookup secret was stored but not found');
  return row.wrapped_secret;
}
