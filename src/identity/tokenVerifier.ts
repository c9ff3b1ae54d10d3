import { sha256 } from '../ledger/sha256.js';
import { CognitoJwtVerifier } from 'aws-jwt-verify';
import {
  CognitoJwtInvalidClientIdError,
  CognitoJwtInvalidTokenUseError,
  FetchError,
  JwtBaseError,
  JwtExpiredError,
  JwtInvalidAudienceError,
  JwtInvalidIssuerError,
  JwtInvalidSignatureAlgorithmError,
  JwtInvalidSignatureError,
  JwtNotBeforeError,
  JwtParseError,
  JwtWithoutValidKidError,
  KidNotFoundInJwksError,
  ParameterValidationError,
  WaitPeriodNotYetEndedJwkError,
} from 'aws-jwt-verify/error';
import { SimpleJwksCache, type Jwks } from 'aws-jwt-verify/jwk';
import { extractBearerToken } from './bearerToken.js';
import { cognitoIssuer } from './cognitoIssuer.js';
import { IdentityProviderUnavailableError, UnauthorizedError, type UnauthorizedReason } from './errors.js';
import { principalFromIdTokenClaims } from './idTokenClaims.js';
import type { Principal } from './principal.js';

export { UnauthorizedError, type UnauthorizedReason } from './errors.js';

export type TokenVerifier = {
  /**
   * The principal of a valid `Bearer` ID token. Throws `UnauthorizedError` for anything else, and
   * `IdentityProviderUnavailableError` when the pool's JWKS cannot be fetched.
   */
  verify(authorizationHeader: string | undefined): Promise<Principal>;
};

export type CognitoTokenVerifierOptions = {
  readonly userPoolId: string;
  readonly clientId: string;
  /** Preloaded keys (COGNITO_JWKS_FILE, dev identity, tests): the verifier then never fetches. */
  readonly jwks?: Jwks;
  /** Milliseconds since the epoch, for the expiry of tokens verified before (tests move it). */
  readonly now?: () => number;
};

/** Tokens whose verification is remembered at most (about a megabyte of hashes and principals). */
const REMEMBERED_TOKENS = 10_000;

type Verified = { readonly principal: Principal; readonly expiresAt: number; readonly notBefore: number };

/**
 * Accepts only ID tokens of one user pool and app client. aws-jwt-verify checks signature, `iss`,
 * `exp`/`nbf`, `token_use` and `aud` before this code reads any claim.
 */
export function createCognitoTokenVerifier(options: CognitoTokenVerifierOptions): TokenVerifier {
  const verifier = CognitoJwtVerifier.create(
    { userPoolId: options.userPoolId, tokenUse: 'id', clientId: options.clientId },
    options.jwks === undefined ? undefined : { jwksCache: new SimpleJwksCache({ fetcher: refusingFetcher }) },
  );
  if (options.jwks !== undefined) verifier.cacheJwks(options.jwks);
  const issuer = cognitoIssuer(options.userPoolId);
  const now = options.now ?? Date.now;
  const verified = new Map<string, Verified>();

  return {
    async verify(authorizationHeader) {
      const token = extractBearerToken(authorizationHeader);
      // A client sends the same ID token with every request for up to an hour. Its signature and
      // claims cannot change, so their verification is remembered (by the token's hash) and only
      // the clock is checked again: expiry and not-before, with no grace, as aws-jwt-verify does.
      const key = sha256(token, 'base64url');
      const known = verified.get(key);
      if (known !== undefined) {
        const seconds = now() / 1000;
        if (seconds >= known.expiresAt) {
          verified.delete(key);
          throw new UnauthorizedError('expired');
        }
        if (seconds < known.notBefore) throw new UnauthorizedError('not_yet_valid');
        return known.principal;
      }
      let payload: Readonly<Record<string, unknown>>;
      try {
        payload = await verifier.verify(token);
      } catch (error) {
        if (error instanceof JwtBaseError) throw verificationFailure(error);
        throw error;
      }
      // aws-jwt-verify also accepts the newer `issuer-cognito-idp` host; the contract names only this one.
      if (payload.iss !== issuer) throw new UnauthorizedError('wrong_issuer');
      // Frozen: the same object now answers every later request with this token.
      const principal = Object.freeze(principalFromIdTokenClaims(payload));
      // aws-jwt-verify has required a numeric `exp`; a token without one is not remembered.
      if (typeof payload.exp === 'number') {
        if (verified.size >= REMEMBERED_TOKENS) verified.delete(verified.keys().next().value as string);
        verified.set(key, { principal, expiresAt: payload.exp, notBefore: typeof payload.nbf === 'number' ? payload.nbf : -Infinity });
      }
      return principal;
    },
  };
}

/**
 * With preloaded keys, a `kid` missing from them would make the library fetch the pool's public
 * JWKS; offline that hangs or fails, and a key the operator did not provide must not be trusted anyway.
 */
const refusingFetcher = {
  fetch: (uri: string): Promise<ArrayBuffer> => Promise.reject(new KidNotFoundInJwksError(`JWKS is preloaded; not fetching ${uri}`)),
};

function verificationFailure(error: JwtBaseError): UnauthorizedError | IdentityProviderUnavailableError {
  if (error instanceof FetchError) {
    return new IdentityProviderUnavailableError('could not fetch the user pool JWKS', { cause: error });
  }
  // A parse error's message can quote the decoded token text, so it is not kept as the cause.
  if (error instanceof JwtParseError) return new UnauthorizedError('malformed_token');
  return new UnauthorizedError(reasonFor(error), { cause: error });
}

function reasonFor(error: JwtBaseError): UnauthorizedReason {
  if (error instanceof JwtInvalidSignatureError) return 'invalid_signature';
  if (error instanceof JwtInvalidSignatureAlgorithmError) return 'unsupported_algorithm';
  if (error instanceof JwtExpiredError) return 'expired';
  if (error instanceof JwtNotBeforeError) return 'not_yet_valid';
  if (error instanceof CognitoJwtInvalidTokenUseError) return 'wrong_token_use';
  if (error instanceof CognitoJwtInvalidClientIdError || error instanceof JwtInvalidAudienceError) return 'wrong_audience';
  // ParameterValidationError at verify time means the token's `iss` names no configured pool.
  if (error instanceof JwtInvalidIssuerError || error instanceof ParameterValidationError) return 'wrong_issuer';
  if (
    error instanceof KidNotFoundInJwksError ||
    error instanceof JwtWithoutValidKidError ||
    error instanceof WaitPeriodNotYetEndedJwkError
  ) {
    return 'unknown_key';
  }
  return 'invalid_token';
}
