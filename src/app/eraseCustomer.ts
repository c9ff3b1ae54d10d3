import { z } from 'zod';
import type { Queries } from '../db/queries.js';
import { sql } from '../db/sql.js';
import { enterTenant } from '../db/transaction.js';
import { isDomainError } from '../domain/errors.js';
import { decideReservation } from '../domain/reservation.js';
import { type CustomerDataKeyRef, eraseCustomerDataKey } from '../privacy/customerDataKeys.js';
import type { Change, Command } from './command/command.js';
import { decidedResult } from './command/commandEnd.js';
import { runCommand } from './command/runCommand.js';
import { type AppDeps, type Caller, metadataFor } from './context.js';
import { forbidden, type Outcome } from './outcome.js';
import type { PersonalDataScrubber } from './personalDataScrubbers.js';
import { mayEraseCustomers } from './policy.js';
import type { EventMetadata } from './streams.js';

export type CustomerErasure = { readonly erased: number };
type ErasedKey = CustomerErasure & { readonly keyId: string | null };

const reservationIdRow = z.object({ reservation_id: z.string() });

/** The tenant's reservations whose customer fields were sealed under `keyId` (their `customer_email_key`). */
async function reservationsSealedUnder(tx: Queries, tenantId: string, keyId: string): Promise<string[]> {
  const rows = await tx.any(sql.type(reservationIdRow)`
    SELECT reservation_id::text FROM reservations_view WHERE tenant_id = ${tenantId} AND customer_email_key = ${keyId}`);
  return rows.map((row) => row.reservation_id);
}

/**
 * Erases one customer of a tenant (LGPD/GDPR, ADR 0048), in one transaction: destroys their data
 * key — every value sealed under it, in the log and the read models, reads as `[erased]` from then
 * on, and the hash chain, which covers the sealed bytes, still verifies — runs the scrubbers over
 * whatever else was derived from the plaintext, and records `CustomerDataErased` (no personal data)
 * on each of their reservations. A customer without a live key (never seen, or erased already)
 * erases nothing: `{ erased: 0 }`.
 */
export async function eraseCustomerData(
  deps: AppDeps,
  tenantId: string,
  metadata: EventMetadata,
  customer: CustomerDataKeyRef,
  scrubbers: readonly PersonalDataScrubber[],
): Promise<Outcome<CustomerErasure>> {
  const outcome = await runCommand(deps, async (tx): Promise<Command<ErasedKey>> => {
    await enterTenant(tx, tenantId);
    const keyId = await eraseCustomerDataKey(tx, tenantId, customer, deps.clock().toISOString());
    const reservationIds = keyId === null ? [] : await reservationsSealedUnder(tx, tenantId, keyId);
    if (keyId !== null) for (const scrubber of scrubbers) await scrubber.scrub(tx, { tenantId, keyId, reservationIds });
    return {
      name: 'eraseCustomer',
      tenantId,
      metadata,
      streams: reservationIds.map((id) => ({ aggregate: 'reservation' as const, id })),
      decide: (loaded) => {
        const changes: Change[] = [];
        for (const id of reservationIds) {
          const events = decideReservation({ type: 'EraseCustomerData', now: loaded.now }, loaded.reservation(id));
          if (isDomainError(events)) return events;
          changes.push({ aggregate: 'reservation', id, events });
        }
        return { changes, result: { erased: reservationIds.length, keyId } };
      },
    };
  });
  const ended = decidedResult(outcome);
  if (!ended.ok) return ended;
  // This process's cache forgets the key too (every read already asks the database which keys exist).
  if (ended.value.keyId !== null) deps.personalData.forget(ended.value.keyId);
  return { ok: true, value: { erased: ended.value.erased } };
}

/** `POST /v1/backoffice/customers/erase`: an admin erases a customer of their tenant by e-mail. */
export async function eraseCustomer(
  deps: AppDeps,
  caller: Caller,
  email: string,
  scrubbers: readonly PersonalDataScrubber[],
): Promise<Outcome<CustomerErasure>> {
  const { principal } = caller;
  if (!mayEraseCustomers(principal)) return { ok: false, error: forbidden("only tenant admins erase customers' personal data") };
  const customerKey = await deps.personalData.customerKey(principal.tenantId, email);
  return eraseCustomerData(deps, principal.tenantId, metadataFor(caller), { customerKey }, scrubbers);
}
