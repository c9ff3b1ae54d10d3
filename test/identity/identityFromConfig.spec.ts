import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/errors.js';
import { signDevToken, ensureDevIdentity } from '../../src/identity/devIdentity.js';
import { createIdentityFromConfig } from '../../src/identity/identityFromConfig.js';
import { bearer, createTestIdentity, mintToken } from '../../src/identity/testing/tokens.js';

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ledger-identity-config-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('createIdentityFromConfig', () => {
  it('uses the configured pool with the JWKS of COGNITO_JWKS_FILE, without fetching', async () => {
    const pool = createTestIdentity({ userPoolId: 'eu-west-1_Prod', clientId: 'prod-client' });
    const jwksFile = join(dir, 'jwks.json');
    await writeFile(jwksFile, JSON.stringify(pool.jwks));

    const identity = await createIdentityFromConfig({
      nodeEnv: 'production',
      dataDir: dir,
      cognito: { userPoolId: pool.userPoolId, clientId: pool.clientId, jwksFile },
    });

    expect(identity).toMatchObject({ mode: 'cognito', userPoolId: 'eu-west-1_Prod', clientId: 'prod-client' });
    expect(identity.description).toContain(jwksFile);
    await expect(identity.verifier.verify(bearer(mintToken(pool, { tenantId: 'tenant-a' })))).resolves.toMatchObject({
      tenantId: 'tenant-a',
    });
    await expect(identity.verifier.verify(bearer(mintToken(pool, { bad: 'otherKey' })))).rejects.toMatchObject({ reason: 'unknown_key' });
  });

  it('runs dev mode without Cognito settings outside production, and says so', async () => {
    const identity = await createIdentityFromConfig({ nodeEnv: 'development', dataDir: dir, cognito: undefined });
    const token = signDevToken(await ensureDevIdentity(dir), { tenantId: 'tenant-a' });

    expect(identity.mode).toBe('dev');
    expect(identity.description).toMatch(/DEV MODE/);
    expect(identity.description).toContain('ledger dev-token');
    await expect(identity.verifier.verify(bearer(token))).resolves.toMatchObject({ tenantId: 'tenant-a', groups: [] });
  });

  it('in dev mode rejects tokens of any other key', async () => {
    const identity = await createIdentityFromConfig({ nodeEnv: 'test', dataDir: dir, cognito: undefined });
    const stranger = createTestIdentity({ userPoolId: identity.userPoolId, clientId: identity.clientId });

    await expect(identity.verifier.verify(bearer(mintToken(stranger)))).rejects.toMatchObject({ reason: 'unknown_key' });
  });

  it('never runs dev mode in production', async () => {
    await expect(createIdentityFromConfig({ nodeEnv: 'production', dataDir: dir, cognito: undefined })).rejects.toThrow(ConfigError);
  });
});
