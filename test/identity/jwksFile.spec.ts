import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { JwksFileError } from '../../src/identity/errors.js';
import { loadJwksFile } from '../../src/identity/jwksFile.js';
import { createTestIdentity } from '../../src/identity/testing/tokens.js';

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ledger-jwks-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function fileWith(content: string): Promise<string> {
  const path = join(dir, 'jwks.json');
  await writeFile(path, content);
  return path;
}

describe('loadJwksFile', () => {
  it('loads a public JWKS', async () => {
    const { jwks } = createTestIdentity();

    await expect(loadJwksFile(await fileWith(JSON.stringify(jwks)))).resolves.toEqual(jwks);
  });

  it.each([
    ['not JSON', '{"keys": [', /is not valid JSON/],
    ['not a JWKS', '{"kty": "RSA"}', /is not a JWKS/],
    ['empty', '{"keys": []}', /has no keys/],
    ['a key without kid', JSON.stringify({ keys: [{ kty: 'RSA', n: 'AQAB', e: 'AQAB', use: 'sig' }] }), /has no "kid"/],
    [
      'an encryption key',
      JSON.stringify({ keys: [{ kty: 'RSA', n: 'AQAB', e: 'AQAB', use: 'enc', kid: 'k' }] }),
      /not a usable signature key/,
    ],
  ])('refuses %s', async (_what, content, message) => {
    const path = await fileWith(content);

    const error: unknown = await loadJwksFile(path).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(JwksFileError);
    expect(String(error)).toMatch(message);
    expect(String(error)).toContain(path);
  });

  it('refuses a JWKS that contains a private key, without quoting it', async () => {
    const identity = createTestIdentity();
    const privateJwk = { ...identity.privateKey.export({ format: 'jwk' }), kid: identity.kid, alg: 'RS256', use: 'sig' };

    const error: unknown = await loadJwksFile(await fileWith(JSON.stringify({ keys: [privateJwk] }))).catch((caught: unknown) => caught);

    expect(String(error)).toMatch(/contains private key material/);
    expect(String(error)).not.toContain(String(privateJwk.d));
  });

  it('reports a missing file with its path', async () => {
    await expect(loadJwksFile(join(dir, 'absent.json'))).rejects.toThrow(/COGNITO_JWKS_FILE .*absent\.json: cannot be read/);
  });
});
