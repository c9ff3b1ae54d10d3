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
};

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

  return {
    async verify(authorizationHeader) {
      const token = extractBearerToken(authorizationHeader);
      let payload: Readonly<Record<string, unknown>>;
      try {
        payload = await verifier.verify(token);
      } catch (error) {
        if (error instanceof JwtBaseError) throw verificationFailure(error);
        throw error;
      }
      // aws-jwt-verify also accepts the newer `issuer-cognito-idp` host; the contract names only this one.
      if (payload.iss !== issuer) throw new UnauthorizedError('wrong_issuer');
      return principalFromIdTokenClaims(payload);
    },
  };
}

/**
 * With preloaded keys, a `kid` missing from them would make the library fetch the pool's public
 * JWKS; offline that hangs or fails, and a key the operator did not provide must not be trusted anyway.
 */
const refusingFetcher = {
  fetch: (uri: string): Promise<ArrayBuffer> =>
    Promise.reject(new KidNotFoundInJwksError(`JWKS is preloaded; not fetching ${uri}`)),
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
