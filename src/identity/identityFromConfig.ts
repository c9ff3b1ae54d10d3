import type { AppConfig } from '../config/config.js';
import { ConfigError } from '../config/errors.js';
import { ensureDevIdentity, type DevIdentity } from './devIdentity.js';
import { loadJwksFile } from './jwksFile.js';
import { createCognitoTokenVerifier, type TokenVerifier } from './tokenVerifier.js';

export type IdentitySetup = {
  readonly mode: 'cognito' | 'dev';
  readonly verifier: TokenVerifier;
  readonly userPoolId: string;
  readonly clientId: string;
  /** One line for the startup log; in dev mode it says so plainly and how to get a token. */
  readonly description: string;
  /** Dev mode's local signing key (what `ledger dev-token` signs with); never present with Cognito. */
  readonly devIdentity?: DevIdentity;
};

/**
 * The verifier the server uses. Dev mode (no Cognito settings, not production) verifies with the
 * same Cognito verifier, fed the local dev key's JWKS, so no code path exists only in development.
 */
export async function createIdentityFromConfig(config: Pick<AppConfig, 'nodeEnv' | 'dataDir' | 'cognito'>): Promise<IdentitySetup> {
  const { cognito } = config;
  if (cognito !== undefined) {
    const jwks = cognito.jwksFile === undefined ? undefined : await loadJwksFile(cognito.jwksFile);
    return {
      mode: 'cognito',
      verifier: createCognitoTokenVerifier({
        userPoolId: cognito.userPoolId,
        clientId: cognito.clientId,
        ...(jwks === undefined ? {} : { jwks }),
      }),
      userPoolId: cognito.userPoolId,
      clientId: cognito.clientId,
      description:
        `identity: Cognito ID tokens of pool ${cognito.userPoolId}, client ${cognito.clientId}` +
        (cognito.jwksFile === undefined ? ' (JWKS fetched from Cognito)' : ` (JWKS from ${cognito.jwksFile})`),
    };
  }
  // loadConfig already refuses this; checked again because a dev key in production would let anyone with disk access mint tokens.
  if (config.nodeEnv === 'production') {
    throw new ConfigError('production requires COGNITO_USER_POOL_ID and COGNITO_CLIENT_ID', {
      keys: ['COGNITO_USER_POOL_ID', 'COGNITO_CLIENT_ID'],
    });
  }
  const identity = await ensureDevIdentity(config.dataDir);
  return {
    mode: 'dev',
    verifier: createCognitoTokenVerifier({ userPoolId: identity.userPoolId, clientId: identity.clientId, jwks: identity.jwks }),
    userPoolId: identity.userPoolId,
    clientId: identity.clientId,
    devIdentity: identity,
    description:
      `identity: DEV MODE (no COGNITO_USER_POOL_ID/COGNITO_CLIENT_ID): accepting tokens signed by the local key ${identity.file}; ` +
      'get one with `npx ledger dev-token --tenant <id> --groups admin`',
  };
}
