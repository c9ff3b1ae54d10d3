import { readFile } from 'node:fs/promises';
import { assertIsJwks, assertIsSignatureJwk, type Jwks } from 'aws-jwt-verify/jwk';
import { JwksFileError } from './errors.js';

/**
 * Reads the JWKS named by COGNITO_JWKS_FILE (the document a pool serves at
 * `/.well-known/jwks.json`) so the verifier never has to fetch it.
 */
export async function loadJwksFile(path: string): Promise<Jwks> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new JwksFileError(path, 'cannot be read', { cause: error });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    // Not kept as `cause`: V8's SyntaxError quotes the file, which may be a private key exported by mistake.
    throw new JwksFileError(path, 'is not valid JSON');
  }
  return parseJwks(json, path);
}

/** Accepts only public signature keys that a token can name by `kid`. */
export function parseJwks(json: unknown, path: string): Jwks {
  try {
    assertIsJwks(json as Parameters<typeof assertIsJwks>[0]);
  } catch (error) {
    throw new JwksFileError(path, 'is not a JWKS ({"keys": [...]})', { cause: error });
  }
  const jwks: Jwks = json as Jwks;
  if (jwks.keys.length === 0) throw new JwksFileError(path, 'has no keys');
  jwks.keys.forEach((jwk, index) => {
    try {
      assertIsSignatureJwk(jwk);
    } catch (error) {
      throw new JwksFileError(path, `key ${index} is not a usable signature key`, { cause: error });
    }
    if (typeof jwk.kid !== 'string' || jwk.kid === '') {
      throw new JwksFileError(path, `key ${index} has no "kid"; tokens select their key by kid`);
    }
    // Private members mean someone exported the wrong file; refuse rather than spread a private key.
    if (['d', 'p', 'q', 'dp', 'dq', 'qi', 'k'].some((member) => member in jwk)) {
      throw new JwksFileError(path, `key ${index} (kid ${jwk.kid}) contains private key material; provide the public JWKS only`);
    }
  });
  return jwks;
}
