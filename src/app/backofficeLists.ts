import type { Queries } from '../db/queries.js';
import type { PersonalData } from '../privacy/personalData.js';
import { ERASED } from '../privacy/sealedText.js';
import type { DatabasePool } from '../db/pool.js';
import { readAsTenant } from './readAsTenant.js';
import type { Principal } from '../identity/principal.js';
import type { Keyset, Page } from '../../projections/backoffice/keyset.js';
import { listPayments, type PaymentFilters, type PaymentListItem } from '../../projections/backoffice/paymentList.js';
import { listReservations, type ReservationFilters, type ReservationListItem } from '../../projections/backoffice/reservationList.js';
import { fail, forbidden, type Outcome, succeed } from './outcome.js';
import { mayReadWholeTenant } from './policy.js';

/** What a reservation list reads with: the pool, and the personal data its rows' customers are opened with. */
export type PersonalDataReads = { readonly pool: DatabasePool; readonly personalData: PersonalData };

/** The list's filters as a caller gives them: the customer by e-mail, which the ledger stores only sealed. */
export type ReservationQuery = Omit<ReservationFilters, 'customerEmailKeys'> & { readonly email?: string };

async function reservationFilters(personalData: PersonalData, tenantId: string, query: ReservationQuery): Promise<ReservationFilters> {
  const { email, ...filters } = query;
  if (email === undefined) return filters;
  return { ...filters, customerEmailKeys: await personalData.customerEmailKeys(tenantId, email) };
}

/** The read edge of a list: every row's customer opened, or `[erased]`, in one key lookup. */
async function openCustomers(
  tx: Queries,
  personalData: PersonalData,
  items: readonly ReservationListItem[],
): Promise<ReservationListItem[]> {
  const opened = await personalData.openTexts(
    tx,
    items.flatMap((item) => [item.customer.name, item.customer.email]),
  );
  return items.map((item, i) => ({ ...item, customer: { name: opened[2 * i] ?? ERASED, email: opened[2 * i + 1] ?? ERASED } }));
}

export type PageRequest = { readonly limit: number; readonly after?: Keyset };

/** Rows per database round trip of an export: large enough to stream fast, small enough to hold in memory. */
export const EXPORT_BATCH = 1_000;

// Auditors read the ledger itself (streams, replay, verify), not the tenant's customers: the back
// office is staff's and admins' (contract: Identity, role table).
const staffOnly = forbidden('only staff and admins read the back office');

/**
 * Each read runs in its own tenant-scoped transaction (`app.tenant_id`, which row-level security
 * reads) and also names the tenant in its WHERE clause, so it stays correct with or without RLS.
 */
export async function backofficeReservations(
  { pool, personalData }: PersonalDataReads,
  principal: Principal,
  query: ReservationQuery,
  page: PageRequest,
): Promise<Outcome<Page<ReservationListItem>>> {
  if (!mayReadWholeTenant(principal)) return fail(staffOnly);
  const filters = await reservationFilters(personalData, principal.tenantId, query);
  return succeed(
    await readAsTenant(pool, principal, async (tx) => {
      const found = await listReservations(tx, principal.tenantId, filters, page);
      return { ...found, items: await openCustomers(tx, personalData, found.items) };
    }),
  );
}

export async function backofficePayments(
  pool: DatabasePool,
  principal: Principal,
  filters: PaymentFilters,
  page: PageRequest,
): Promise<Outcome<Page<PaymentListItem>>> {
  if (!mayReadWholeTenant(principal)) return fail(staffOnly);
  return succeed(await readAsTenant(pool, principal, (tx) => listPayments(tx, principal.tenantId, filters, page)));
}

/**
 * Every reservation matching `filters`, read in keyset batches, one short transaction per batch:
 * no connection or snapshot is held while the client reads, and a row committed meanwhile is never
 * emitted twice (it sorts before the keyset, or after it once).
 */
export function exportReservations(
  { pool, personalData }: PersonalDataReads,
  principal: Principal,
  query: ReservationQuery,
): Outcome<AsyncGenerator<ReservationListItem>> {
  if (!mayReadWholeTenant(principal)) return fail(staffOnly);
  async function* batches(): AsyncGenerator<ReservationListItem> {
    const filters = await reservationFilters(personalData, principal.tenantId, query);
    let after: Keyset | undefined;
    for (;;) {
      const request: PageRequest = after === undefined ? { limit: EXPORT_BATCH } : { limit: EXPORT_BATCH, after };
      const page = await readAsTenant(pool, principal, async (tx) => {
        const found = await listReservations(tx, principal.tenantId, filters, request);
        return { ...found, items: await openCustomers(tx, personalData, found.items) };
      });
      yield* page.items;
      if (page.next === null) return;
      after = page.next;
    }
  }
  return succeed(batches());
}
