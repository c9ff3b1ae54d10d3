import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfigValues } from '../../src/config/config.js';
import { backofficeAppRoutes } from '../../src/http/routes/backofficeApp.js';
import { buildServer } from '../../src/http/server.js';
import { type BackofficeSignIn, backofficeSignInFor } from '../../src/identity/backofficeSignIn.js';
import { createIdentityFromConfig, type IdentitySetup } from '../../src/identity/identityFromConfig.js';

/**
 * How the backoffice signs in: the dev form exists only in dev mode (no Cognito, not production),
 * the hosted UI only with COGNITO_DOMAIN; the app's pages run under a 'self'-only CSP.
 */
let dataDir: string;
let devIdentity: IdentitySetup;
const warnings: string[] = [];
const servers: FastifyInstance[] = [];

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'ledger-backoffice-sign-in-'));
  devIdentity = await createIdentityFromConfig({ nodeEnv: 'development', dataDir, cognito: undefined });
});

afterAll(async () => {
  for (const server of servers) await server.close();
  await rm(dataDir, { recursive: true, force: true });
});

/** The server's own app with the backoffice routes under `signIn`, verifying tokens as dev mode does. */
async function serverWith(signIn: BackofficeSignIn): Promise<FastifyInstance> {
  const server = await buildServer({
    verifier: devIdentity.verifier,
    users: { recordSighting: async () => undefined },
    routes: { root: [(scope) => backofficeAppRoutes(scope, { signIn, log: { warn: (message) => warnings.push(message) } })], v1: [] },
  });
  servers.push(server);
  return server;
}

const cognitoConfig = (extra: Record<string, string> = {}) =>
  parseConfigValues({ COGNITO_USER_POOL_ID: 'eu-west-1_AbC123', COGNITO_CLIENT_ID: 'backoffice-client', ...extra });

describe('backoffice sign-in', () => {
  it('is the dev form in dev mode, the hosted UI with Cognito and COGNITO_DOMAIN, and nothing with Cognito alone', async () => {
    expect(backofficeSignInFor(devIdentity, { cognito: undefined }).mode).toBe('dev');

    const withDomain = cognitoConfig({ COGNITO_DOMAIN: 'acme.auth.eu-west-1.amazoncognito.com' });
    const cognito = await createIdentityFromConfig({ ...withDomain, dataDir });
    expect(backofficeSignInFor(cognito, withDomain)).toEqual({
      mode: 'cognito',
      domain: 'https://acme.auth.eu-west-1.amazoncognito.com',
      clientId: 'backoffice-client',
    });

    const withoutDomain = cognitoConfig();
    expect(backofficeSignInFor(await createIdentityFromConfig({ ...withoutDomain, dataDir }), withoutDomain).mode).toBe('unavailable');
  });

  it('refuses a COGNITO_DOMAIN that is not a host name or its https origin', () => {
    expect(cognitoConfig({ COGNITO_DOMAIN: 'https://auth.example.com' }).cognito?.domain).toBe('https://auth.example.com');
    // Plain http only for a local double of the hosted UI.
    expect(cognitoConfig({ COGNITO_DOMAIN: 'http://127.0.0.1:4100' }).cognito?.domain).toBe('http://127.0.0.1:4100');
    for (const bad of ['http://auth.example.com', 'https://auth.example.com/login', 'auth example.com']) {
      expect(() => cognitoConfig({ COGNITO_DOMAIN: bad }), bad).toThrow(/COGNITO_DOMAIN/);
    }
  });

  it('in dev mode, signs a token the server accepts, with the groups asked for, and logs that it did', async () => {
    const server = await serverWith(backofficeSignInFor(devIdentity, { cognito: undefined }));
    const options = await server.inject({ method: 'GET', url: '/backoffice/sign-in/options' });
    expect(options.json()).toEqual({ mode: 'dev' });

    const signed = await server.inject({
      method: 'POST',
      url: '/backoffice/sign-in/dev-token',
      payload: { tenantId: 'acme', groups: ['staff'], email: 'lia@acme.example' },
    });
    expect(signed.statusCode).toBe(200);
    const principal = await devIdentity.verifier.verify(`Bearer ${signed.json<{ idToken: string }>().idToken}`);
    expect(principal).toMatchObject({ tenantId: 'acme', groups: ['staff'], email: 'lia@acme.example' });
    expect(warnings).toContain('backoffice DEV sign-in: signed a token for tenant acme with groups staff');

    // A customer token is not the backoffice's to hand out.
    const customer = await server.inject({
      method: 'POST',
      url: '/backoffice/sign-in/dev-token',
      payload: { tenantId: 'acme', groups: [] },
    });
    expect(customer.statusCode).toBe(400);
  });

  it('with Cognito, has no dev-token route and lets the page call only itself and the hosted UI', async () => {
    const server = await serverWith({ mode: 'cognito', domain: 'https://auth.example.com', clientId: 'client-1' });
    const refused = await server.inject({
      method: 'POST',
      url: '/backoffice/sign-in/dev-token',
      payload: { tenantId: 'acme', groups: ['admin'] },
    });
    expect(refused.statusCode).toBe(404);
    expect((await server.inject({ method: 'GET', url: '/backoffice/sign-in/options' })).json()).toEqual({
      mode: 'cognito',
      domain: 'https://auth.example.com',
      clientId: 'client-1',
    });

    const csp = (await server.inject({ method: 'GET', url: '/backoffice/' })).headers['content-security-policy'];
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("connect-src 'self' https://auth.example.com");
    expect(csp).not.toContain('unsafe-inline');
    // The API's own answers keep the CSP that allows nothing.
    const elsewhere = await server.inject({ method: 'GET', url: '/v1/slots' });
    expect(elsewhere.headers['content-security-policy']).toContain("default-src 'none'");
  });

  it('serves only files of the built app: a path outside its assets folder is not found', async () => {
    const server = await serverWith({ mode: 'unavailable', reason: 'test' });
    // `..` in any spelling never leaves the app's folder (a bare `..` is normalised to the page itself).
    const traversals = [
      '/backoffice/assets/..%2F..%2Fpackage.json',
      '/backoffice/assets/%2E%2E/%2E%2E/package.json',
      '/backoffice/../package.json',
    ];
    for (const url of traversals) {
      const response = await server.inject({ method: 'GET', url });
      expect(response.body, url).not.toContain('"devDependencies"');
    }
    expect((await server.inject({ method: 'GET', url: '/backoffice/assets/..%2F..%2Fpackage.json' })).statusCode).toBe(400);
  });
});
