import type { AppConfig } from '../config/config.js';
import { signDevToken } from './devIdentity.js';
import type { IdTokenOptions } from './idToken.js';
import type { IdentitySetup } from './identityFromConfig.js';

/**
 * How operators sign in to the backoffice web app: through the Cognito hosted UI (authorization
 * code with PKCE), or, in dev mode only, by a form that has the server sign a token with the local
 * dev key. `unavailable`: Cognito is configured without COGNITO_DOMAIN, so the app cannot sign in.
 */
export type BackofficeSignIn =
  | { readonly mode: 'cognito'; readonly domain: string; readonly clientId: string }
  | { readonly mode: 'dev'; readonly signToken: (options: IdTokenOptions) => string }
  | { readonly mode: 'unavailable'; readonly reason: string };

export function backofficeSignInFor(identity: IdentitySetup, config: Pick<AppConfig, 'cognito'>): BackofficeSignIn {
  const { devIdentity } = identity;
  // Dev sign-in follows the identity setup, which refuses dev mode in production and with Cognito configured.
  if (identity.mode === 'dev' && devIdentity !== undefined) {
    return { mode: 'dev', signToken: (options) => signDevToken(devIdentity, options) };
  }
  const domain = config.cognito?.domain;
  if (identity.mode === 'cognito' && domain !== undefined) return { mode: 'cognito', domain, clientId: identity.clientId };
  return { mode: 'unavailable', reason: 'COGNITO_DOMAIN is not set: the backoffice has no hosted UI to sign in through' };
}
