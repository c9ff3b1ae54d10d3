import { StreamVersionConflictError } from '../ledger/errors.js';

/**
 * Re-runs a whole command when another writer appended to one of its streams first. Seat changes
 * never get here (the slot lock serialises them); this covers streams created without a lock row,
 * such as two admins defining the same new slot at once.
 */
export async function retryOnConflict<T>(work: () => Promise<T>, attempts = 3): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await work();
    } catch (error) {
      if (!(error instanceof StreamVersionConflictError) || attempt >= attempts) throw error;
    }
  }
}
