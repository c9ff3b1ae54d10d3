/** Why a request was not authenticated. For logs and metrics; clients only ever see `401 unauthorized`. */
export type UnauthorizedReason =
  | 'missing_authorization'
  | 'not_bearer'
  | 'malformed_token'
  | 'invalid_signature'
  | 'unsupported_algorithm'
  | 'unknown_key'
  | 'expired'
  | 'not_yet_valid'
  | 'wrong_issuer'
  | 'wrong_audience'
  | 'wrong_token_use'
  | 'missing_tenant'
  | 'invalid_claims'
  /** Rejected by the JWT library for a reason not listed above. */
  | 'invalid_token';

/**
 * The request carries no acceptable ID token. Neither the message nor `reason` ever contains the
 * token, so the whole error can be logged.
 */
export class UnauthorizedError extends Error {
  override readonly name = 'UnauthorizedError';
  readonly code = 'unauthorized';
  readonly reason: UnauthorizedReason;

  constructor(reason: UnauthorizedReason, options?: { readonly cause?: unknown }) {
    super(`unauthorized: ${reason.replaceAll('_', ' ')}`, options);
    this.reason = reason;
  }
}

/**
 * The pool's JWKS could not be fetched, so no token can be checked. Not the caller's fault: the
 * HTTP layer answers 5xx rather than 401, so clients retry instead of discarding a good token.
 */
export class IdentityProviderUnavailableError extends Error {
  override readonly name = 'IdentityProviderUnavailableError';

  /** A cause is required: the fetch error is what an operator needs to see. */
  constructor(message: string, options: { readonly cause: unknown }) {
    super(message, { cause: options.cause });
  }
}

/** COGNITO_JWKS_FILE could not be read or is not a usable public JWKS. */
export class JwksFileError extends Error {
  override readonly name = 'JwksFileError';
  readonly path: string;

  constructor(path: string, problem: string, options?: { readonly cause?: unknown }) {
    super(`COGNITO_JWKS_FILE ${path}: ${problem}`, options);
    this.path = path;
  }
}

/** The dev signing key file could not be created or read. */
export class DevIdentityError extends Error {
  override readonly name = 'DevIdentityError';
  readonly path: string;

  constructor(path: string, problem: string, options?: { readonly cause?: unknown }) {
    super(`dev identity ${path}: ${problem}`, options);
    this.path = path;
  }
}

/** `ledger dev-token` was called with arguments it cannot use; the message includes the usage line. */
export class DevTokenUsageError extends Error {
  override readonly name = 'DevTokenUsageError';
  /** What is wrong, without the usage line (the CLI prints its own hint). */
  readonly problem: string;

  constructor(problem: string, options?: { readonly cause?: unknown }) {
    super(
      `${problem}\nusage: ledger dev-token --tenant <id> [--groups admin,staff,auditor] [--sub <id>] [--email <address>] [--ttl <seconds>]`,
      options,
    );
    this.problem = problem;
  }
}
