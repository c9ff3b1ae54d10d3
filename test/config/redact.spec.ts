import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { REDACTED, redactConfig, secretConfigPaths, secretEnvKeys } from '../../src/config/redact.js';

describe('redactConfig', () => {
  it('knows the secret variables', () => {
    expect([...secretEnvKeys].sort()).toEqual(
      [
        'DATABASE_URL',
        'EVENTSTORE_CONNECTION_STRING',
        'LEDGER_CHECKPOINT_SIGNING_KEY',
        'MERCADOPAGO_ACCESS_TOKEN',
        'MERCADOPAGO_WEBHOOK_SECRET',
        'MIGRATION_DATABASE_URL',
        'PII_MASTER_KEY',
        'PANEL_API_KEY',
        'PANEL_WEBHOOK_SECRET',
        'STRIPE_SECRET_KEY',
        'SYSTEM_DATABASE_URL',
        'STRIPE_WEBHOOK_SECRET',
      ].sort(),
    );
    expect(secretConfigPaths).toContain('stripe.webhookSecret');
  });

  it('replaces every secret in the table and keeps everything else', async () => {
    // A master key must be 32 bytes in base64: its value is checked below by itself.
    const masterKey = Buffer.alloc(32, 'secret-for-PII').toString('base64');
    const secrets = Object.fromEntries(
      secretEnvKeys.map((key) => [
        key,
        key === 'PII_MASTER_KEY'
          ? masterKey
          : key.endsWith('DATABASE_URL')
            ? `postgres://u:secret-for-${key}@h/db`
            : key === 'EVENTSTORE_CONNECTION_STRING'
              ? `esdb://admin:secret-for-${key}@h:2113`
              : `secret-for-${key}`,
      ]),
    );
    const config = await loadConfig({
      ...secrets,
      PANEL_API_BASE: 'http://127.0.0.1:4010',
      PANEL_ACCOUNTS: 'tenant-1',
      COGNITO_USER_POOL_ID: 'us-east-1_Pool1',
      COGNITO_CLIENT_ID: 'client-1',
      PORT: '4000',
    });

    const redacted = redactConfig(config);
    const logged = JSON.stringify(redacted);

    expect(logged).not.toContain('secret-for-');
    expect(logged).not.toContain(masterKey);
    for (const path of secretConfigPaths) {
      expect(
        path.split('.').reduce<unknown>((node, segment) => (node as Record<string, unknown>)[segment], redacted),
        path,
      ).toBe(REDACTED);
    }
    expect(redacted).toMatchObject({ port: 4000, cognito: { userPoolId: 'us-east-1_Pool1', clientId: 'client-1' } });
    expect(config.stripe.secretKey).toBe('secret-for-STRIPE_SECRET_KEY');
  });

  it('shows unset secrets as unset', async () => {
    const redacted = redactConfig(await loadConfig({}));

    expect(redacted.stripe.secretKey).toBeUndefined();
    expect(redacted.databaseUrl).toBeUndefined();
  });
});
