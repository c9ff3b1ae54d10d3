import { mkdtemp, readFile, rm, stat, writeFile, chmod, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  DEV_CLIENT_ID,
  DEV_IDENTITY_FILE_NAME,
  DEV_USER_POOL_ID,
  ensureDevIdentity,
  signDevToken,
} from '../../src/identity/devIdentity.js';
import { DevIdentityError } from '../../src/identity/errors.js';
import { stableSubject } from '../../src/identity/idToken.js';
import { createCognitoTokenVerifier } from '../../src/identity/tokenVerifier.js';

let dataDir: string;

beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'ledger-dev-identity-'));
});

afterEach(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

function decode(token: string): { header: Record<string, unknown>; payload: Record<string, unknown> } {
  const [header, payload] = token
    .split('.')
    .slice(0, 2)
    .map((part) => JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as Record<string, unknown>);
  return { header: header ?? {}, payload: payload ?? {} };
}

describe('ensureDevIdentity', () => {
  it('creates an RSA key under the data dir, readable by the owner only, for the fixed dev pool and client', async () => {
    const identity = await ensureDevIdentity(join(dataDir, 'nested', '.ledger'));

    expect(identity).toMatchObject({ userPoolId: DEV_USER_POOL_ID, clientId: DEV_CLIENT_ID });
    expect(identity.file).toBe(join(dataDir, 'nested', '.ledger', DEV_IDENTITY_FILE_NAME));
    expect((await stat(identity.file)).mode & 0o777).toBe(0o600);
    expect(identity.privateKey.asymmetricKeyDetails?.modulusLength).toBe(2048);
    expect(identity.jwks.keys).toEqual([expect.objectContaining({ kty: 'RSA', alg: 'RS256', use: 'sig', kid: identity.kid })]);
    expect(identity.jwks.keys[0]).not.toHaveProperty('d');
  });

  it('reuses the stored key on later calls', async () => {
    const first = await ensureDevIdentity(dataDir);
    const content = await readFile(first.file, 'utf8');

    const second = await ensureDevIdentity(dataDir);

    expect(second.kid).toBe(first.kid);
    expect(second.jwks).toEqual(first.jwks);
    expect(await readFile(second.file, 'utf8')).toBe(content);
  });

  it('gives every concurrent caller the same key', async () => {
    const identities = await Promise.all(Array.from({ length: 5 }, () => ensureDevIdentity(dataDir)));

    expect(new Set(identities.map((identity) => identity.kid)).size).toBe(1);
  });

  it('tightens a key file that others could read', async () => {
    const { file } = await ensureDevIdentity(dataDir);
    await chmod(file, 0o644);

    await ensureDevIdentity(dataDir);

    expect((await stat(file)).mode & 0o777).toBe(0o600);
  });

  it('refuses a damaged key file without quoting it', async () => {
    await mkdir(dataDir, { recursive: true });
    await writeFile(join(dataDir, DEV_IDENTITY_FILE_NAME), '{"privateKeyPem": "-----BEGIN PRIVATE KEY-----SECRETSTUFF', { mode: 0o600 });

    const error: unknown = await ensureDevIdentity(dataDir).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(DevIdentityError);
    expect(String(error)).toMatch(/not valid JSON; delete the file/);
    expect(String(error)).not.toContain('SECRETSTUFF');
    expect((error as Error).cause).toBeUndefined();
  });

  it('refuses a key file with the wrong fields', async () => {
    await writeFile(join(dataDir, DEV_IDENTITY_FILE_NAME), JSON.stringify({ version: 1 }), { mode: 0o600 });

    await expect(ensureDevIdentity(dataDir)).rejects.toThrow(/does not have the expected fields/);
  });
});

describe('signDevToken', () => {
  it('signs a Cognito-shaped ID token that the Cognito verifier accepts', async () => {
    const identity = await ensureDevIdentity(dataDir);
    const token = signDevToken(identity, { tenantId: 'tenant-a', groups: ['admin'], email: 'ops@example.com', ttlSeconds: 600 });

    const { header, payload } = decode(token);
    expect(header).toEqual({ kid: identity.kid, alg: 'RS256' });
    expect(payload).toMatchObject({
      iss: 'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_LocalDev',
      aud: DEV_CLIENT_ID,
      token_use: 'id',
      email: 'ops@example.com',
      'custom:tenant_id': 'tenant-a',
      'cognito:groups': ['admin'],
    });
    expect(payload.exp).toBe((payload.iat as number) + 600);
    expect(payload.auth_time).toBe(payload.iat);

    const verifier = createCognitoTokenVerifier({ userPoolId: identity.userPoolId, clientId: identity.clientId, jwks: identity.jwks });
    await expect(verifier.verify(`Bearer ${token}`)).resolves.toEqual({
      sub: payload.sub,
      email: 'ops@example.com',
      tenantId: 'tenant-a',
      groups: ['admin'],
    });
  });

  it('names the same user for the same tenant and groups, whatever their order', async () => {
    const identity = await ensureDevIdentity(dataDir);

    const subs = [
      signDevToken(identity, { tenantId: 'tenant-a', groups: ['admin', 'staff'] }),
      signDevToken(identity, { tenantId: 'tenant-a', groups: ['staff', 'admin'] }),
    ].map((token) => decode(token).payload.sub);

    expect(subs[0]).toBe(subs[1]);
    expect(subs[0]).toBe(stableSubject('tenant-a', ['admin', 'staff']));
    expect(subs[0]).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(stableSubject('tenant-b', ['admin', 'staff'])).not.toBe(subs[0]);
    expect(stableSubject('tenant-a', [])).not.toBe(subs[0]);
  });

  it('uses the given sub and the Cognito default lifetime of one hour', async () => {
    const identity = await ensureDevIdentity(dataDir);

    const { payload } = decode(signDevToken(identity, { tenantId: 't', sub: 'fixed-sub' }));

    expect(payload.sub).toBe('fixed-sub');
    expect(payload.exp).toBe((payload.iat as number) + 3600);
    expect(payload).not.toHaveProperty('cognito:groups');
    expect(payload).not.toHaveProperty('email');
  });

  it('refuses a lifetime that is not a positive whole number', async () => {
    const identity = await ensureDevIdentity(dataDir);

    expect(() => signDevToken(identity, { tenantId: 't', ttlSeconds: 0 })).toThrow(RangeError);
    expect(() => signDevToken(identity, { tenantId: 't', ttlSeconds: 1.5 })).toThrow(RangeError);
  });
});
