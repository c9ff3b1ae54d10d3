import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestIdentity } from '../../src/identity/testing/tokens.js';
import { type ServedLedger, serveLedger } from '../ops/servedLedger.js';
import { startFakeCognitoHostedUi } from '../support/providers/fakeCognitoHostedUi.js';
import { expectAccessible, launchChromium } from './browser.js';

/**
 * Sign-in through the Cognito hosted UI (authorization code with PKCE) in a real browser, against
 * `npm start` configured for a user pool (JWKS preloaded from a file) whose hosted UI is a local double.
 */
const identity = createTestIdentity({ userPoolId: 'us-east-1_BackofficeUi', clientId: 'backoffice-client' });
const STAFF = { tenantId: 'acme-tours', groups: ['staff'], email: 'lia@acme.example' };

let dataDir: string | undefined;
let hostedUi: Awaited<ReturnType<typeof startFakeCognitoHostedUi>> | undefined;
let served: ServedLedger | undefined;
let browser: Browser | undefined;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'ledger-backoffice-cognito-'));
  // mkdtemp makes the folder private to root; the embedded PostgreSQL runs as the `postgres` user.
  await chmod(dataDir, 0o755);
  const jwksFile = path.join(dataDir, 'jwks.json');
  await writeFile(jwksFile, JSON.stringify(identity.jwks));
  hostedUi = await startFakeCognitoHostedUi(identity, STAFF);
  served = await serveLedger('npm', ['start'], {
    LEDGER_DATA_DIR: dataDir,
    COGNITO_USER_POOL_ID: identity.userPoolId,
    COGNITO_CLIENT_ID: identity.clientId,
    COGNITO_JWKS_FILE: jwksFile,
    COGNITO_DOMAIN: hostedUi.url,
  });
  browser = await launchChromium();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  if (served) {
    process.kill(served.pid, 'SIGTERM');
    const exit = await Promise.race([served.exited, new Promise<null>((resolve) => setTimeout(() => resolve(null), 15_000))]);
    if (exit === null) served.killGroup();
  }
  await hostedUi?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
}, 60_000);

describe('backoffice sign-in through the Cognito hosted UI', () => {
  it('trades the code with its PKCE verifier for an ID token the API accepts; no dev form, no dev-token route', async () => {
    if (served === undefined || hostedUi === undefined || browser === undefined) throw new Error('beforeAll did not finish');
    const devToken = await fetch(`${served.url}/backoffice/sign-in/dev-token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ tenantId: 'acme-tours', groups: ['admin'] }),
    });
    expect(devToken.status).toBe(404);

    const context = await browser.newContext({ locale: 'en-US' });
    const page = await context.newPage();
    const consoleErrors: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error' && !message.text().includes('status of 404')) consoleErrors.push(message.text());
    });
    await page.goto(`${served.url}/backoffice/`);
    const signIn = page.getByRole('button', { name: 'Sign in with your organization account' });
    await expect.poll(() => signIn.isVisible()).toBe(true);
    expect(await page.getByText('DEV MODE').count()).toBe(0);
    await signIn.press('Enter');

    await expect.poll(() => page.getByRole('navigation', { name: 'Sections' }).isVisible(), { timeout: 20_000 }).toBe(true);
    expect(await page.getByText('(acme-tours: staff)').isVisible()).toBe(true);
    // Back at the app's own address: the code is not left in the address bar or history.
    expect(new URL(page.url()).search).toBe('');
    // Staff read: the departures load through /v1 with the hosted UI's token, and nothing to change is offered.
    await expect.poll(() => page.getByText('No departures in this period.').isVisible()).toBe(true);
    expect(await page.getByRole('button', { name: 'Create departure' }).count()).toBe(0);

    expect(hostedUi.tokenRequests).toHaveLength(1);
    const exchange = hostedUi.tokenRequests[0];
    expect(exchange?.get('code_verifier')).toMatch(/^[A-Za-z0-9_-]{43,128}$/);
    expect(exchange?.get('client_secret')).toBeNull();

    await expectAccessible(page, 'departures after the hosted UI sign-in');
    expect(consoleErrors).toEqual([]);
    await context.close();
  }, 120_000);
});
