import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import type { DatabasePool } from '../db/pool.js';
import type { Queries } from '../db/queries.js';
import { boundedCache } from './boundedCache.js';
import { customerDataKey, lookupSecret, storedDataKeys } from './customerDataKeys.js';
import type { KeyWrapper } from './keyWrapping.js';
import { DATA_KEY_BYTES, type DataKey, ERASED, openText, sealedKeyId, sealText } from './sealedText.js';

/** A customer as commands and reads see them (the reservation's `customer`). */
export type CustomerFields = { readonly name: string; readonly email: string };

/**
 * Customers' personal data, sealed on the way in and opened at the read edge (ADR 0048). The one
 * place that holds unwrapped data keys: a bounded in-memory cache by key id, filled from the wrapped
 * key the database still has — a read always asks the database which keys exist, so a key erased
 * by any process reads as `[erased]` at once everywhere.
 */
export type PersonalData = {
  /**
   * The customer's fields sealed under their data key, in `db`'s transaction: a key made on first use
   * exists only if that transaction commits, so a refused hold leaves no key behind. `keep` is called
   * once it committed, so the next holds of this customer seal without asking the database (a key
   * looked up in a transaction that rolled back is never kept). One statement, before the hold takes
   * its slot's lock, and the wrap (a KMS call) only for a new customer. An empty field is left as it
   * is, for the decider to refuse.
   */
  sealCustomer<Customer extends CustomerFields>(
    db: Queries,
    tenantId: string,
    customer: Customer,
  ): Promise<{ readonly sealed: Customer; readonly keep: () => void }>;
  /**
   * The read edge: each stored value opened — sealed ones under their key, an erased key's as
   * `[erased]`, a value recorded before sealing (ADR 0049) as it is. `db` must see the values'
   * tenant (its row-level security decides which keys it may use).
   */
  openTexts(db: Queries, stored: readonly string[]): Promise<string[]>;
  /** `openTexts` for one customer. */
  openCustomer(db: Queries, customer: CustomerFields): Promise<CustomerFields>;
  /** What finds a customer's key by e-mail without storing it: HMAC of tenant + lowercased e-mail. */
  customerKey(tenantId: string, email: string): Promise<string>;
  /**
   * What a reservation's `customer_email_key` is for this e-mail (projections/reservationView.ts):
   * the customer's live data key id, and the lowercased address of rows recorded before sealing.
   */
  customerEmailKeys(tenantId: string, email: string): Promise<string[]>;
  /** Drops an erased key from this process's cache (the database already refuses it). */
  forget(keyId: string): void;
};

/** Unwrapped keys kept per process: 32 bytes each plus the map's overhead, a few MB at most. */
const CACHED_KEYS = 20_000;
/**
 * How long a hold may seal under a customer's key without asking the database whether it still
 * exists: a hold in another process within this window after an erasure seals under the erased key,
 * and that reservation reads `[erased]` too (fails safe, never readable). Saves the hold a round trip.
 */
const SEALING_KEY_TTL_MS = 60_000;

export function createPersonalData(pool: DatabasePool, wrapper: KeyWrapper): PersonalData {
  const keys = boundedCache<string, { wrappedKey: string; key: Buffer }>(CACHED_KEYS);
  // Tenant + lookup key → the customer's key, for holds only; reads always ask the database.
  const sealingKeys = boundedCache<string, { dataKey: DataKey; cachedAt: number }>(CACHED_KEYS);
  const sealingKeyOf = boundedCache<string, string>(CACHED_KEYS);
  let secret: Promise<Buffer> | undefined;

  const lookupSecretKey = (): Promise<Buffer> => {
    secret ??= lookupSecret(pool, async () => (await wrapper.wrap(randomBytes(32))).toString('base64'))
      .then((wrapped) => wrapper.unwrap(Buffer.from(wrapped, 'base64')))
      .catch((error: unknown) => {
        secret = undefined; // a failed start (KMS down) is tried again by the next call
        throw error;
      });
    return secret;
  };

  const unwrapped = async (keyId: string, wrappedKey: string): Promise<DataKey> => {
    const cached = keys.get(keyId);
    if (cached?.wrappedKey === wrappedKey) return { keyId, key: cached.key };
    const key = await wrapper.unwrap(Buffer.from(wrappedKey, 'base64'));
    keys.set(keyId, { wrappedKey, key });
    return { keyId, key };
  };

  const customerKey = async (tenantId: string, email: string): Promise<string> =>
    createHmac('sha256', await lookupSecretKey())
      .update(`${tenantId}\u0000${email.trim().toLowerCase()}`)
      .digest('base64url');

  const remember = (cacheKey: string, dataKey: DataKey): DataKey => {
    sealingKeys.set(cacheKey, { dataKey, cachedAt: Date.now() });
    sealingKeyOf.set(dataKey.keyId, cacheKey);
    return dataKey;
  };

  /** The customer's key, and how to keep it cached once the transaction that may have made it committed. */
  const dataKeyOf = async (db: Queries, tenantId: string, email: string): Promise<{ dataKey: DataKey; keep: () => void }> => {
    const lookup = await customerKey(tenantId, email);
    const cacheKey = `${tenantId}\u0000${lookup}`;
    const cached = sealingKeys.get(cacheKey);
    if (cached && Date.now() - cached.cachedAt < SEALING_KEY_TTL_MS) return { dataKey: cached.dataKey, keep: () => undefined };
    const dataKey = await storedOrNewDataKey(db, tenantId, lookup);
    return { dataKey, keep: () => void remember(cacheKey, dataKey) };
  };

  const storedOrNewDataKey = async (db: Queries, tenantId: string, lookup: string): Promise<DataKey> => {
    const existing = await customerDataKey(db, tenantId, lookup);
    if (existing) return unwrapped(existing.keyId, existing.wrappedKey);
    const key = randomBytes(DATA_KEY_BYTES);
    const created = { keyId: randomUUID(), wrappedKey: (await wrapper.wrap(key)).toString('base64') };
    const winner = await customerDataKey(db, tenantId, lookup, created);
    if (!winner) throw new Error('a customer data key was inserted but not found');
    if (winner.keyId === created.keyId) keys.set(created.keyId, { wrappedKey: created.wrappedKey, key });
    return unwrapped(winner.keyId, winner.wrappedKey);
  };

  const openTexts = async (db: Queries, stored: readonly string[]): Promise<string[]> => {
    const ids = [...new Set(stored.map(sealedKeyId).filter((id): id is string => id !== null))];
    const wrapped = await storedDataKeys(db, ids);
    const opened = new Map<string, DataKey | null>();
    for (const keyId of ids) {
      const wrappedKey = wrapped.get(keyId);
      opened.set(keyId, wrappedKey === undefined || wrappedKey === null ? null : await unwrapped(keyId, wrappedKey));
    }
    return stored.map((value) => {
      const keyId = sealedKeyId(value);
      if (keyId === null) return value;
      const key = opened.get(keyId);
      return key ? openText(key, value) : ERASED;
    });
  };

  return {
    sealCustomer: async <Customer extends CustomerFields>(db: Queries, tenantId: string, customer: Customer) => {
      if (customer.name === '' || customer.email === '') return { sealed: customer, keep: () => undefined };
      const { dataKey, keep } = await dataKeyOf(db, tenantId, customer.email);
      // Only the personal fields are sealed; the rest (the e-mails' locale) is kept as given.
      return { sealed: { ...customer, name: sealText(dataKey, customer.name), email: sealText(dataKey, customer.email) }, keep };
    },
    openTexts,
    openCustomer: async (db, customer) => {
      const [name = ERASED, email = ERASED] = await openTexts(db, [customer.name, customer.email]);
      return { name, email };
    },
    customerKey,
    customerEmailKeys: async (tenantId, email) => {
      const live = await customerDataKey(pool, tenantId, await customerKey(tenantId, email));
      return [...(live === null ? [] : [live.keyId]), email.toLowerCase()];
    },
    forget: (keyId) => {
      keys.delete(keyId);
      const cacheKey = sealingKeyOf.get(keyId);
      if (cacheKey !== undefined) sealingKeys.delete(cacheKey);
      sealingKeyOf.delete(keyId);
    },
  };
}
