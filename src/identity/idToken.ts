import { createHash, randomUUID, sign, type KeyObject } from 'node:crypto';
import { cognitoIssuer } from './cognitoIssuer.js';
import type { SigningIdentity } from './signingIdentity.js';

export type IdTokenOptions = {
  readonly tenantId: string;
  /** Cognito groups; none means a customer. */
  readonly groups?: readonly string[];
  /** Defaults to `stableSubject(tenantId, groups)`: the same user on every call. */
  readonly sub?: string;
  readonly email?: string;
  readonly ttlSeconds?: number;
};

/** Cognito's default ID token lifetime. */
export const DEFAULT_ID_TOKEN_TTL_SECONDS = 3600;

/** The claims Cognito puts in an ID token, for `identity`'s pool and client. */
export function idTokenClaims(
  identity: Pick<SigningIdentity, 'userPoolId' | 'clientId'>,
  options: IdTokenOptions,
  now: Date = new Date(),
): Record<string, unknown> {
  const ttlSeconds = options.ttlSeconds ?? DEFAULT_ID_TOKEN_TTL_SECONDS;
  if (!Number.isSafeInteger(ttlSeconds) || ttlSeconds <= 0) {
    throw new RangeError(`ttlSeconds must be a positive integer, got ${ttlSeconds}`);
  }
  const groups = [...new Set(options.groups ?? [])];
  const sub = options.sub ?? stableSubject(options.tenantId, groups);
  const issuedAt = Math.floor(now.getTime() / 1000);
  return {
    sub,
    // Cognito leaves out `cognito:groups` for a user in no group, and `email` when the user has none.
    ...(groups.length > 0 ? { 'cognito:groups': groups } : {}),
    ...(options.email === undefined ? {} : { email: options.email, email_verified: true }),
    iss: cognitoIssuer(identity.userPoolId),
    'cognito:username': sub,
    origin_jti: randomUUID(),
    aud: identity.clientId,
    event_id: randomUUID(),
    token_use: 'id',
    auth_time: issuedAt,
    'custom:tenant_id': options.tenantId,
    exp: issuedAt + ttlSeconds,
    iat: issuedAt,
    jti: randomUUID(),
  };
}

/** A uuid-shaped id derived from tenant and groups, so repeated dev tokens name the same user. */
export function stableSubject(tenantId: string, groups: readonly string[]): string {
  const key = [...new Set(groups)].sort().join(',');
  const hex = createHash('sha256').update(`ledger-dev-user\u0000${tenantId}\u0000${key}`).digest('hex').slice(0, 32);
  // RFC 9562 version 8 (custom) with the standard variant, so it parses as a UUID.
  const variant = ((Number.parseInt(hex.charAt(16), 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** An RS256 JWT, signed as Cognito signs: PKCS#1 v1.5 over SHA-256 of `<header>.<payload>`. */
export function signJwt(
  header: Readonly<Record<string, unknown>>,
  payload: Readonly<Record<string, unknown>>,
  privateKey: KeyObject,
): string {
  const signingInput = `${encodeJwtPart(header)}.${encodeJwtPart(payload)}`;
  return `${signingInput}.${sign('sha256', Buffer.from(signingInput), privateKey).toString('base64url')}`;
}

export function encodeJwtPart(value: Readonly<Record<string, unknown>>): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}
