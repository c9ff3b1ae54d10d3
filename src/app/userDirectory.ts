import type { DatabasePool } from '../db/pool.js';
import { z } from 'zod';
import { sql } from '../db/sql.js';
import type { Principal } from '../identity/principal.js';
import { UnauthorizedError } from '../identity/errors.js';
import type { UserDirectory } from '../identity/userDirectory.js';

const userRow = z.object({ tenant_id: z.string() });

/**
 * Users are created on first sight (get-or-create by `sub`, race-safe through the primary key)
 * and refreshed when their claims change. A `sub` is bound to the tenant it was first seen in: a
 * token that later names another tenant for the same user is refused, so a misissued token cannot
 * carry a user across tenants. Known, unchanged users are remembered in memory so the booking
 * path does not write on every request.
 */
export function createUserDirectory(pool: DatabasePool, clock: () => Date): UserDirectory {
  const seen = new Map<string, string>();
  const fingerprint = (p: Principal) => JSON.stringify([p.tenantId, p.email, [...p.groups].sort()]);
  return {
    async recordSighting(principal) {
      if (seen.get(principal.sub) === fingerprint(principal)) return;
      const now = clock().toISOString();
      // The upsert must see the user's row whatever its tenant, which row-level security hides from
      // the application role: migration 0020's SECURITY DEFINER function does exactly this one thing.
      const stored = await pool.one(sql.type(userRow)`
        SELECT ledger_record_user_sighting(${principal.tenantId}, ${principal.sub}, ${principal.email},
          ${sql.array([...principal.groups], 'text')}, ${now}::timestamptz) AS tenant_id`);
      if (stored.tenant_id !== principal.tenantId) {
        throw new UnauthorizedError('invalid_claims');
      }
      if (seen.size > 100_000) seen.clear();
      seen.set(principal.sub, fingerprint(principal));
    },
  };
}
