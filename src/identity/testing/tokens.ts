import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { idTokenClaims, encodeJwtPart, signJwt, type IdTokenOptions } from '../idToken.js';
import { signingIdentityFor, type SigningIdentity } from '../signingIdentity.js';
import { createCognitoTokenVerifier, type TokenVerifier } from '../tokenVerifier.js';

/**
 * Tokens for tests: a throwaway in-memory pool key, valid ID tokens for it, and each kind of bad
 * token the verifier must refuse. Nothing here touches the network or the disk.
 */
export type TestIdentity = SigningIdentity;

export const TEST_USER_POOL_ID = 'us-east-1_TestPool';
export const TEST_CLIENT_ID = 'ledger-test-client';
export const DEFAULT_TEST_TENANT = 'tenant-test';

/** Each way `mintToken` can spoil a token; every one must end in `401`. */
export const badTokenKinds = [
  /** Signed by a key the pool never published, with that key's own kid. */
  'otherKey',
  /** Signed by another key but claiming the pool key's kid: only the signature check catches it. */
  'otherKeySameKid',
  'expired',
  'notYetValid',
  'wrongAudience',
  'wrongIssuer',
  /** A Cognito access token (`token_use: access`, `client_id` instead of `aud`). */
  'accessToken',
  /** Unsigned (`alg: none`, empty signature). */
  'algNone',
  'missingTenant',
  'missingExpiry',
] as const;

export type BadTokenKind = (typeof badTokenKinds)[number];

export type MintTokenOptions = Partial<IdTokenOptions> & {
  readonly bad?: BadTokenKind;
  /** Issue time; defaults to now. */
  readonly now?: Date;
  /** Merged over the generated claims last (`undefined` removes one). */
  readonly claims?: Readonly<Record<string, unknown>>;
};

export function createTestIdentity(options: { readonly userPoolId?: string; readonly clientId?: string } = {}): TestIdentity {
  return signingIdentityFor(newRsaKey(), options.userPoolId ?? TEST_USER_POOL_ID, options.clientId ?? TEST_CLIENT_ID);
}

/** A verifier that accepts `identity`'s tokens: the production verifier with the JWKS preloaded. */
export function createTestTokenVerifier(identity: TestIdentity): TokenVerifier {
  return createCognitoTokenVerifier({ userPoolId: identity.userPoolId, clientId: identity.clientId, jwks: identity.jwks });
}

/** An ID token for `identity` (tenant `tenant-test`, customer, 1 h unless told), or a deliberately bad one. */
export function mintToken(identity: TestIdentity, options: MintTokenOptions = {}): string {
  const { bad, now = new Date(), claims: extra = {}, ...tokenOptions } = options;
  const claims: Record<string, unknown> = Object.fromEntries(
    Object.entries({
      ...idTokenClaims(identity, { ...tokenOptions, tenantId: tokenOptions.tenantId ?? DEFAULT_TEST_TENANT }, now),
      ...spoiledClaims(identity, bad, now),
      ...extra,
    }).filter(([, value]) => value !== undefined),
  );

  switch (bad) {
    case 'algNone':
      return `${encodeJwtPart({ alg: 'none', kid: identity.kid })}.${encodeJwtPart(claims)}.`;
    case 'otherKey': {
      const stranger = strangerIdentity();
      return signJwt({ kid: stranger.kid, alg: 'RS256' }, claims, stranger.privateKey);
    }
    case 'otherKeySameKid':
      return signJwt({ kid: identity.kid, alg: 'RS256' }, claims, strangerIdentity().privateKey);
    default:
      return signJwt({ kid: identity.kid, alg: 'RS256' }, claims, identity.privateKey);
  }
}

/** `Bearer <token>`, for an `Authorization` header. */
export function bearer(token: string): string {
  return `Bearer ${token}`;
}

function spoiledClaims(identity: TestIdentity, bad: BadTokenKind | undefined, now: Date): Record<string, unknown> {
  const seconds = Math.floor(now.getTime() / 1000);
  switch (bad) {
    case 'expired':
      return { auth_time: seconds - 7200, iat: seconds - 7200, exp: seconds - 3600 };
    case 'wrongAudience':
      return { aud: `${identity.clientId}-other` };
    case 'wrongIssuer':
      return { iss: `https://cognito-idp.us-east-1.amazonaws.com/us-east-1_SomeoneElse` };
    case 'accessToken':
      return { token_use: 'access', aud: undefined, client_id: identity.clientId, scope: 'aws.cognito.signin.user.admin' };
    case 'missingTenant':
      return { 'custom:tenant_id': undefined };
    case 'missingExpiry':
      return { exp: undefined };
    case 'notYetValid':
      return { nbf: seconds + 3600 };
    default:
      return {};
  }
}

let stranger: TestIdentity | undefined;

// One stranger key per test process: RSA key generation costs tens of milliseconds.
function strangerIdentity(): TestIdentity {
  stranger ??= signingIdentityFor(newRsaKey(), TEST_USER_POOL_ID, TEST_CLIENT_ID);
  return stranger;
}

function newRsaKey(): KeyObject {
  return generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
}
