import { generateKeyPair, type KeyObject } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createDevIdentityFile, readDevIdentityFile } from './devIdentityFile.js';
import { DevIdentityError } from './errors.js';
import { idTokenClaims, signJwt, type IdTokenOptions } from './idToken.js';
import { signingIdentityFor, type SigningIdentity } from './signingIdentity.js';

/** Valid Cognito form (`<region>_<id>`), so dev tokens go through the production verifier unchanged. */
export const DEV_USER_POOL_ID = 'us-east-1_LocalDev';
export const DEV_CLIENT_ID = 'ledger-dev-client';
export const DEV_IDENTITY_FILE_NAME = 'dev-identity.json';

export type DevIdentity = SigningIdentity & {
  /** Where the private key lives (mode 0600). */
  readonly file: string;
};

const generateRsaKeyPair = promisify(generateKeyPair);

/**
 * The local signing key of dev mode: created under `dataDir` on first use, then reused, so tokens
 * printed by `ledger dev-token` keep working across server restarts.
 */
export async function ensureDevIdentity(dataDir: string): Promise<DevIdentity> {
  const file = join(dataDir, DEV_IDENTITY_FILE_NAME);
  const existing = await readDevIdentityFile(file);
  if (existing !== undefined) return devIdentityOf(existing, file);

  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const { privateKey } = await generateRsaKeyPair('rsa', { modulusLength: 2048 });
  // A concurrent creator may win the race; everyone then uses the winner's key.
  await createDevIdentityFile(file, { userPoolId: DEV_USER_POOL_ID, clientId: DEV_CLIENT_ID, privateKey });
  const stored = await readDevIdentityFile(file);
  if (stored === undefined) throw new DevIdentityError(file, 'disappeared right after it was created');
  return devIdentityOf(stored, file);
}

/** An RS256 Cognito-shaped ID token that a verifier for `identity`'s pool and client accepts. */
export function signDevToken(identity: SigningIdentity, options: IdTokenOptions): string {
  return signJwt({ kid: identity.kid, alg: 'RS256' }, idTokenClaims(identity, options), identity.privateKey);
}

function devIdentityOf(
  contents: { readonly userPoolId: string; readonly clientId: string; readonly privateKey: KeyObject },
  file: string,
): DevIdentity {
  return { ...signingIdentityFor(contents.privateKey, contents.userPoolId, contents.clientId), file };
}
