import { inspect } from 'node:util';
import { CognitoJwtVerifier } from 'aws-jwt-verify';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import {
  UnauthorizedError,
  createCognitoTokenVerifier,
  type TokenVerifier,
  type UnauthorizedReason,
} from '../../src/identity/tokenVerifier.js';
import {
  badTokenKinds,
  bearer,
  createTestIdentity,
  createTestTokenVerifier,
  mintToken,
  DEFAULT_TEST_TENANT,
  type BadTokenKind,
  type TestIdentity,
} from '../../src/identity/testing/tokens.js';

let identity: TestIdentity;
let verifier: TokenVerifier;

beforeAll(() => {
  identity = createTestIdentity();
  verifier = createTestTokenVerifier(identity);
});

async function rejection(header: string | undefined): Promise<UnauthorizedError> {
  const error: unknown = await verifier.verify(header).then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(UnauthorizedError);
  return error as UnauthorizedError;
}

describe('valid ID tokens', () => {
  it('verify into the principal named by sub, email, custom:tenant_id and cognito:groups', async () => {
    const token = mintToken(identity, { tenantId: 'tenant-a', groups: ['admin', 'staff'], sub: 'user-1', email: 'ana@example.com' });

    await expect(verifier.verify(bearer(token))).resolves.toEqual({
      sub: 'user-1',
      email: 'ana@example.com',
      tenantId: 'tenant-a',
      groups: ['admin', 'staff'],
    });
  });

  it('without groups or email give a customer with no email', async () => {
    const principal = await verifier.verify(bearer(mintToken(identity)));

    expect(principal).toMatchObject({ tenantId: DEFAULT_TEST_TENANT, email: null, groups: [] });
    expect(principal.sub).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('accept the scheme in any case and surrounding spaces', async () => {
    const token = mintToken(identity, { tenantId: 't' });

    await expect(verifier.verify(`bearer ${token}`)).resolves.toMatchObject({ tenantId: 't' });
    await expect(verifier.verify(`  BEARER  ${token} `)).resolves.toMatchObject({ tenantId: 't' });
  });
});

describe('rejected requests', () => {
  it.each([
    [undefined, 'missing_authorization'],
    ['', 'missing_authorization'],
    ['   ', 'missing_authorization'],
    ['Basic dXNlcjpwYXNz', 'not_bearer'],
    ['Bearer', 'not_bearer'],
    ['Bearer a b', 'not_bearer'],
    ['Bearer garbage', 'malformed_token'],
    ['Bearer a.b.c', 'malformed_token'],
  ] satisfies [string | undefined, UnauthorizedReason][])('%j → %s', async (header, reason) => {
    expect((await rejection(header)).reason).toBe(reason);
  });

  const expectedReason: Record<BadTokenKind, UnauthorizedReason> = {
    otherKey: 'unknown_key',
    otherKeySameKid: 'invalid_signature',
    expired: 'expired',
    notYetValid: 'not_yet_valid',
    wrongAudience: 'wrong_audience',
    wrongIssuer: 'wrong_issuer',
    accessToken: 'wrong_token_use',
    algNone: 'malformed_token',
    missingTenant: 'missing_tenant',
    missingExpiry: 'invalid_claims',
  };

  it.each(badTokenKinds)('a %s token', async (bad) => {
    const token = mintToken(identity, { tenantId: 'tenant-a', groups: ['admin'], bad });

    const error = await rejection(bearer(token));

    expect(error.reason).toBe(expectedReason[bad]);
    expect(error.code).toBe('unauthorized');
  });

  it('an alg:none token that still carries a signature', async () => {
    const [, payload, signature] = mintToken(identity).split('.');
    const header = Buffer.from(JSON.stringify({ alg: 'none', kid: identity.kid })).toString('base64url');

    expect((await rejection(bearer(`${header}.${payload}.${signature}`))).reason).toBe('unsupported_algorithm');
  });

  it('a token whose payload was edited after signing', async () => {
    const [header, , signature] = mintToken(identity, { tenantId: 'tenant-a' }).split('.');
    const forgedPayload = Buffer.from(
      JSON.stringify({ ...decodePayload(mintToken(identity, { tenantId: 'tenant-a' })), 'custom:tenant_id': 'tenant-b' }),
    ).toString('base64url');

    expect((await rejection(bearer(`${header}.${forgedPayload}.${signature}`))).reason).toBe('invalid_signature');
  });

  it("a token of Cognito's global issuer host, which the contract does not name", async () => {
    const token = mintToken(identity, {
      claims: { iss: `https://issuer-cognito-idp.us-east-1.amazonaws.com/${identity.userPoolId}` },
    });

    expect((await rejection(bearer(token))).reason).toBe('wrong_issuer');
  });

  it('a token of another pool, even one this process also trusts elsewhere', async () => {
    const otherPool = createTestIdentity({ userPoolId: 'eu-west-1_Other' });

    expect((await rejection(bearer(mintToken(otherPool)))).reason).toBe('wrong_issuer');
  });

  it('checks the signature and expiry before reading any claim', async () => {
    // Both tokens also lack the tenant claim: the reported reason shows which check ran first.
    const forged = mintToken(identity, { bad: 'otherKeySameKid', claims: { 'custom:tenant_id': undefined } });
    const expired = mintToken(identity, { bad: 'expired', claims: { 'custom:tenant_id': undefined } });

    expect((await rejection(bearer(forged))).reason).toBe('invalid_signature');
    expect((await rejection(bearer(expired))).reason).toBe('expired');
  });

  it.each(['expired', 'otherKeySameKid', 'missingTenant', 'wrongAudience'] as const)(
    'never puts the token in the %s error, its message or its cause',
    async (bad) => {
      const token = mintToken(identity, { bad });
      const signature = token.split('.')[2] ?? '';

      const error = await rejection(bearer(token));
      const rendered = `${inspect(error, { depth: 10 })} ${JSON.stringify(error)} ${String(error)}`;

      expect(rendered).not.toContain(token);
      expect(rendered).not.toContain(signature);
    },
  );

  it('empty tenant claim counts as missing', async () => {
    const token = mintToken(identity, { claims: { 'custom:tenant_id': '' } });

    expect((await rejection(bearer(token))).reason).toBe('missing_tenant');
  });
});

describe('createCognitoTokenVerifier', () => {
  it('refuses a user pool id that is not of the Cognito form', () => {
    expect(() => createCognitoTokenVerifier({ userPoolId: 'not-a-pool', clientId: 'c', jwks: identity.jwks })).toThrow(
      /Invalid Cognito User Pool ID/,
    );
  });
});

function decodePayload(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
}

describe('remembered verifications', () => {
  const reasonOf = async (verifying: Promise<unknown>) => {
    const error: unknown = await verifying.then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(UnauthorizedError);
    return (error as UnauthorizedError).reason;
  };

  it('check a token signature once, then only its expiry', async () => {
    const library = vi.spyOn(CognitoJwtVerifier.prototype, 'verify');
    try {
      const remembering = createTestTokenVerifier(identity);
      const token = bearer(mintToken(identity, { tenantId: 'tenant-memo' }));
      const first = await remembering.verify(token);
      const calls = library.mock.calls.length;
      expect(calls).toBe(1);
      await expect(remembering.verify(token)).resolves.toEqual(first);
      await expect(remembering.verify(token)).resolves.toEqual(first);
      expect(library.mock.calls.length).toBe(calls);
    } finally {
      library.mockRestore();
    }
  });

  it('refuse a remembered token once it has expired', async () => {
    let clock = Date.now();
    const remembering = createCognitoTokenVerifier({
      userPoolId: identity.userPoolId,
      clientId: identity.clientId,
      jwks: identity.jwks,
      now: () => clock,
    });
    const token = bearer(mintToken(identity, { ttlSeconds: 60 }));
    await expect(remembering.verify(token)).resolves.toMatchObject({ tenantId: DEFAULT_TEST_TENANT });
    clock += 59_000;
    await expect(remembering.verify(token)).resolves.toMatchObject({ tenantId: DEFAULT_TEST_TENANT });
    clock += 2_000;
    expect(await reasonOf(remembering.verify(token))).toBe('expired');
  });

  it('never lend a verification to another token, however close to it', async () => {
    const token = mintToken(identity, { tenantId: 'tenant-memo' });
    await verifier.verify(bearer(token));
    const [header, payload, signature] = token.split('.') as [string, string, string];
    const flipped = `${signature.slice(0, -2)}${signature.at(-2) === 'A' ? 'B' : 'A'}${signature.at(-1)}`;
    expect(await reasonOf(verifier.verify(bearer(`${header}.${payload}.${flipped}`)))).toBe('invalid_signature');
    const otherPayload = Buffer.from(
      JSON.stringify({ ...JSON.parse(Buffer.from(payload, 'base64url').toString()), 'custom:tenant_id': 'other' }),
    ).toString('base64url');
    expect(await reasonOf(verifier.verify(bearer(`${header}.${otherPayload}.${signature}`)))).toBe('invalid_signature');
  });
});
