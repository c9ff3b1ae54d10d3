import { z } from 'zod';
import { isStorableText } from '../db/storableText.js';
import { UnauthorizedError } from './errors.js';
import type { Principal } from './principal.js';

/** A claim's text is stored (users, events' metadata): no NUL, no lone surrogate, as for any input. */
const claimText = () => z.string().refine(isStorableText);

const idTokenClaimsSchema = z.object({
  sub: claimText().min(1),
  // aws-jwt-verify only checks `exp` when present; a token without one would never expire.
  exp: z.number(),
  email: claimText().optional(),
  'cognito:groups': z.array(claimText()).optional(),
});

/**
 * What a tenant id is wherever one arrives: in a token's `custom:tenant_id`, or in the path of a
 * public route (which must accept exactly the ids a token can name, and nothing a token cannot).
 */
export const tenantIdSchema = claimText().min(1);

const tenantClaimSchema = z.object({ 'custom:tenant_id': tenantIdSchema });

/** The principal named by an ID token's claims. Call only with a payload whose token is verified. */
export function principalFromIdTokenClaims(payload: Readonly<Record<string, unknown>>): Principal {
  const claims = idTokenClaimsSchema.safeParse(payload);
  if (!claims.success) throw new UnauthorizedError('invalid_claims', { cause: claims.error });
  const tenant = tenantClaimSchema.safeParse(payload);
  if (!tenant.success) throw new UnauthorizedError('missing_tenant', { cause: tenant.error });
  return {
    sub: claims.data.sub,
    email: claims.data.email ?? null,
    tenantId: tenant.data['custom:tenant_id'],
    groups: claims.data['cognito:groups'] ?? [],
  };
}
