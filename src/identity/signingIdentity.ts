import { createHash, createPublicKey, type KeyObject } from 'node:crypto';
import type { Jwks } from 'aws-jwt-verify/jwk';

/** A key that signs Cognito-shaped ID tokens, and what a verifier needs to accept them. */
export type SigningIdentity = {
  readonly userPoolId: string;
  readonly clientId: string;
  readonly kid: string;
  /** Public half only, as a Cognito pool publishes it at `/.well-known/jwks.json`. */
  readonly jwks: Jwks;
  readonly privateKey: KeyObject;
};

export function signingIdentityFor(privateKey: KeyObject, userPoolId: string, clientId: string): SigningIdentity {
  const { n, e } = createPublicKey(privateKey).export({ format: 'jwk' });
  if (typeof n !== 'string' || typeof e !== 'string') {
    throw new TypeError(`expected an RSA private key, got ${String(privateKey.asymmetricKeyType)}`);
  }
  // RFC 7638 thumbprint: the same key always gets the same kid, so a reloaded key keeps verifying old tokens.
  const kid = createHash('sha256')
    .update(JSON.stringify({ e, kty: 'RSA', n }))
    .digest('base64url');
  return {
    userPoolId,
    clientId,
    kid,
    jwks: { keys: [{ kty: 'RSA', alg: 'RS256', use: 'sig', kid, n, e }] },
    privateKey,
  };
}
