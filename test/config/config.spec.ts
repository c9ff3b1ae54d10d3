import { describe, expect, it } from 'vitest';
import { allowedBrowserOrigins, loadConfig, parseConfigValues } from '../../src/config/config.js';
import { ConfigError } from '../../src/config/errors.js';
import { requiredInProduction } from '../../src/config/productionRequirements.js';
import type { SecretsRequest } from '../../src/config/secretsManager.js';
import { configVariables, type EnvKey } from '../../src/config/variables.js';

const productionSecrets = {
  DATABASE_URL: 'postgres://ledger:db-password-123@db.internal:5432/ledger',
  SYSTEM_DATABASE_URL: 'postgres://ledger_system_login:db-system-password-321@db.internal:5432/ledger',
  STRIPE_SECRET_KEY: 'sk_live_stripe-secret-456',
  STRIPE_WEBHOOK_SECRET: 'whsec_stripe-hook-789',
  MERCADOPAGO_ACCESS_TOKEN: 'APP_USR-mp-token-abc',
  MERCADOPAGO_WEBHOOK_SECRET: 'mp-hook-def',
  LEDGER_CHECKPOINT_SIGNING_KEY: 'checkpoint-key-ghi',
} as const;

const productionEnv = {
  NODE_ENV: 'production',
  COGNITO_USER_POOL_ID: 'eu-west-1_AbC123',
  COGNITO_CLIENT_ID: 'client-1',
  SES_FROM_ADDRESS: 'bookings@operator.example',
  ...productionSecrets,
} as const;

async function configErrorOf(promise: Promise<unknown>): Promise<ConfigError> {
  const error: unknown = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(ConfigError);
  return error as ConfigError;
}

describe('loadConfig from the environment', () => {
  it('applies the defaults when nothing is set', async () => {
    await expect(loadConfig({})).resolves.toEqual({
      nodeEnv: 'development',
      dataDir: '.ledger',
      host: '127.0.0.1',
      port: 3000,
      holdTtlSeconds: 900,
      holdMaxSeatsPerCustomer: 20,
      paymentGraceSeconds: 1800,
      stripe: {},
      mercadopago: {},
      eventStore: {},
      aws: {},
      mail: {},
      personalData: {},
    });
  });

  it('reads every variable into its place', async () => {
    const config = await loadConfig({
      NODE_ENV: 'test',
      DATABASE_URL: 'postgresql://u:p@localhost:5432/ledger',
      SYSTEM_DATABASE_URL: 'postgresql://s:p@localhost:5432/ledger',
      MIGRATION_DATABASE_URL: 'postgresql://o:p@localhost:5432/ledger',
      LEDGER_DATA_DIR: '/var/lib/ledger',
      HOST: '0.0.0.0',
      PORT: '8080',
      HOLD_TTL_SECONDS: '600',
      HOLD_MAX_SEATS_PER_CUSTOMER: '8',
      PAYMENT_GRACE_SECONDS: '600',
      FRONTEND_URL: 'https://book.example.com',
      COGNITO_USER_POOL_ID: 'us-east-1_Pool1',
      COGNITO_CLIENT_ID: 'client-1',
      COGNITO_JWKS_FILE: '/etc/ledger/jwks.json',
      STRIPE_SECRET_KEY: 'sk_test_1',
      STRIPE_WEBHOOK_SECRET: 'whsec_1',
      STRIPE_API_BASE: 'http://127.0.0.1:12111',
      MERCADOPAGO_ACCESS_TOKEN: 'TEST-1',
      MERCADOPAGO_WEBHOOK_SECRET: 'mp-1',
      MERCADOPAGO_API_BASE: 'http://127.0.0.1:12112',
      SES_FROM_ADDRESS: 'bookings@operator.example',
      AWS_ENDPOINT_URL_SESV2: 'http://127.0.0.1:12113',
      EVENTSTORE_CONNECTION_STRING: 'esdb://127.0.0.1:2113?tls=false',
      EVENTSTORE_TENANTS: 'acme, kayak-co,acme',
    });

    expect(config).toEqual({
      nodeEnv: 'test',
      databaseUrl: 'postgresql://u:p@localhost:5432/ledger',
      systemDatabaseUrl: 'postgresql://s:p@localhost:5432/ledger',
      migrationDatabaseUrl: 'postgresql://o:p@localhost:5432/ledger',
      dataDir: '/var/lib/ledger',
      host: '0.0.0.0',
      port: 8080,
      holdTtlSeconds: 600,
      holdMaxSeatsPerCustomer: 8,
      paymentGraceSeconds: 600,
      frontendUrl: 'https://book.example.com',
      cognito: { userPoolId: 'us-east-1_Pool1', clientId: 'client-1', jwksFile: '/etc/ledger/jwks.json' },
      stripe: { secretKey: 'sk_test_1', webhookSecret: 'whsec_1', apiBase: 'http://127.0.0.1:12111' },
      mercadopago: { accessToken: 'TEST-1', webhookSecret: 'mp-1', apiBase: 'http://127.0.0.1:12112' },
      eventStore: { connectionString: 'esdb://127.0.0.1:2113?tls=false', tenants: ['acme', 'kayak-co'] },
      aws: {},
      mail: { fromAddress: 'bookings@operator.example', sesEndpointUrl: 'http://127.0.0.1:12113' },
      personalData: {},
    });
  });

  it('has a place for every variable in the table', () => {
    const samples: Partial<Record<EnvKey, string>> = {
      NODE_ENV: 'test',
      PORT: '1',
      HOLD_TTL_SECONDS: '1',
      HOLD_MAX_SEATS_PER_CUSTOMER: '1',
      PAYMENT_GRACE_SECONDS: '1',
      LOG_LEVEL: 'debug',
      DATABASE_URL: 'postgres://h/db',
      SYSTEM_DATABASE_URL: 'postgres://h/db',
      MIGRATION_DATABASE_URL: 'postgres://h/db',
      // One origin: a list of one lands as that origin (String of a one-element array).
      CORS_ORIGINS: 'https://shop.example.com',
      // An origin lands as given (a bare host name gains https://).
      COGNITO_DOMAIN: 'https://auth.example.com',
      SES_FROM_ADDRESS: 'bookings@operator.example',
      AWS_ENDPOINT_URL_SESV2: 'http://127.0.0.1:1',
      EVENTSTORE_CONNECTION_STRING: 'esdb://127.0.0.1:2113?tls=false',
      PII_RETENTION_DAYS: '1',
      PII_MASTER_KEY: Buffer.alloc(32, 7).toString('base64'),
      AWS_ENDPOINT_URL_KMS: 'http://127.0.0.1:1',
      PANEL_SYNC_SECONDS: '30',
    };
    for (const { env, path } of configVariables) {
      const value =
        samples[env] ??
        (env.endsWith('_BASE') || env.endsWith('_URL')
          ? 'http://127.0.0.1:1'
          : env === 'COGNITO_USER_POOL_ID'
            ? 'us-east-1_X'
            : `value-of-${env}`);
      const cognito = env.startsWith('COGNITO_') ? { COGNITO_USER_POOL_ID: 'us-east-1_X', COGNITO_CLIENT_ID: 'c' } : {};
      // The panel's variables come as a group: one alone is refused (see the panel tests below).
      const panel = env.startsWith('PANEL_')
        ? { PANEL_API_BASE: 'http://127.0.0.1:1', PANEL_API_KEY: 'k', PANEL_WEBHOOK_SECRET: 's', PANEL_ACCOUNTS: 'a' }
        : {};
      const config = parseConfigValues({ ...cognito, ...panel, [env]: value }) as unknown as Record<string, unknown>;
      const landed = path.reduce<unknown>((node, segment) => (node as Record<string, unknown> | undefined)?.[segment], config);
      expect(String(landed), env).toBe(value);
    }
  });

  it('takes SES_FROM_ADDRESS as an address or a name with one, and refuses anything else', async () => {
    expect((await loadConfig({ SES_FROM_ADDRESS: 'Acme Tours <bookings@acme.example>' })).mail.fromAddress).toBe(
      'Acme Tours <bookings@acme.example>',
    );
    const error = await configErrorOf(loadConfig({ SES_FROM_ADDRESS: 'bookings' }));
    expect(error.keys).toEqual(['SES_FROM_ADDRESS']);
  });

  it('turns panel sync on only with every PANEL_* variable but PANEL_SYNC_SECONDS (default 60), and refuses half a panel', () => {
    expect(parseConfigValues({}).panelApi).toBeUndefined();
    const full = { PANEL_API_BASE: 'http://127.0.0.1:4010', PANEL_API_KEY: 'k', PANEL_WEBHOOK_SECRET: 's', PANEL_ACCOUNTS: 't1, t2' };
    expect(parseConfigValues(full).panelApi).toEqual({
      apiBase: 'http://127.0.0.1:4010',
      apiKey: 'k',
      webhookSecret: 's',
      accounts: ['t1', 't2'],
      syncSeconds: 60,
    });
    expect(() => parseConfigValues({ PANEL_API_BASE: 'http://127.0.0.1:4010' })).toThrow(/PANEL_API_KEY/);
    expect(() => parseConfigValues({ ...full, PANEL_ACCOUNTS: 't1,,t2' })).toThrow(/PANEL_ACCOUNTS/);
  });

  it('treats blank variables as unset and trims the rest', async () => {
    const config = await loadConfig({ PORT: '', HOST: '  ', COGNITO_USER_POOL_ID: ' ', STRIPE_WEBHOOK_SECRET: 'whsec_1\n' });

    expect(config.port).toBe(3000);
    expect(config.host).toBe('127.0.0.1');
    expect(config.cognito).toBeUndefined();
    expect(config.stripe.webhookSecret).toBe('whsec_1');
  });

  it('leaves cognito undefined outside production without Cognito settings (dev mode)', async () => {
    expect((await loadConfig({ NODE_ENV: 'development' })).cognito).toBeUndefined();
    expect((await loadConfig({ NODE_ENV: 'test' })).cognito).toBeUndefined();
  });

  it.each([
    [{ PORT: 'abc' }, 'PORT'],
    [{ PORT: '70000' }, 'PORT'],
    [{ PORT: '-1' }, 'PORT'],
    [{ HOLD_TTL_SECONDS: '0' }, 'HOLD_TTL_SECONDS'],
    [{ HOLD_TTL_SECONDS: '1.5' }, 'HOLD_TTL_SECONDS'],
    [{ HOLD_TTL_SECONDS: '15m' }, 'HOLD_TTL_SECONDS'],
    [{ HOLD_MAX_SEATS_PER_CUSTOMER: '0' }, 'HOLD_MAX_SEATS_PER_CUSTOMER'],
    [{ HOLD_MAX_SEATS_PER_CUSTOMER: '2.5' }, 'HOLD_MAX_SEATS_PER_CUSTOMER'],
    [{ PAYMENT_GRACE_SECONDS: '-1' }, 'PAYMENT_GRACE_SECONDS'],
    [{ PAYMENT_GRACE_SECONDS: '30m' }, 'PAYMENT_GRACE_SECONDS'],
    [{ FRONTEND_URL: 'javascript:alert(1)' }, 'FRONTEND_URL'],
    [{ NODE_ENV: 'staging' }, 'NODE_ENV'],
    [{ STRIPE_API_BASE: 'not a url' }, 'STRIPE_API_BASE'],
    [{ MERCADOPAGO_API_BASE: 'ftp://example.com' }, 'MERCADOPAGO_API_BASE'],
    [{ COGNITO_USER_POOL_ID: 'my-pool', COGNITO_CLIENT_ID: 'c' }, 'COGNITO_USER_POOL_ID'],
    [{ COGNITO_USER_POOL_ID: 'us-east-1_Pool1' }, 'COGNITO_CLIENT_ID'],
    [{ COGNITO_JWKS_FILE: '/jwks.json' }, 'COGNITO_USER_POOL_ID'],
    [{ FRONTEND_URL: 'shop.example.com' }, 'FRONTEND_URL'],
    [{ FRONTEND_URL: 'ftp://shop.example.com' }, 'FRONTEND_URL'],
    [{ CORS_ORIGINS: 'https://shop.example.com/' }, 'CORS_ORIGINS'],
    [{ CORS_ORIGINS: 'https://a.example.com,https://b.example.com/book' }, 'CORS_ORIGINS'],
    [{ CORS_ORIGINS: 'https://a.example.com,,https://b.example.com' }, 'CORS_ORIGINS'],
    [{ CORS_ORIGINS: '*' }, 'CORS_ORIGINS'],
    [{ CORS_ORIGINS: 'null' }, 'CORS_ORIGINS'],
    [{ EVENTSTORE_CONNECTION_STRING: 'http://127.0.0.1:2113' }, 'EVENTSTORE_CONNECTION_STRING'],
    [{ EVENTSTORE_TENANTS: 'acme,,kayak-co' }, 'EVENTSTORE_TENANTS'],
  ] satisfies [Record<string, string>, EnvKey][])('%j is a ConfigError naming %s', async (env, key) => {
    const error = await configErrorOf(loadConfig(env));

    expect(error.keys).toContain(key);
    expect(error.message).toContain(key);
  });

  it('allows the origin of FRONTEND_URL and each of CORS_ORIGINS, once each', async () => {
    const config = await loadConfig({
      NODE_ENV: 'test',
      FRONTEND_URL: 'https://shop.example.com/pt-br/',
      CORS_ORIGINS: ' https://widget.example.org , http://localhost:5173,https://shop.example.com',
    });

    expect(config.frontendUrl).toBe('https://shop.example.com/pt-br/');
    expect(allowedBrowserOrigins(config)).toEqual(['https://shop.example.com', 'https://widget.example.org', 'http://localhost:5173']);
    expect(allowedBrowserOrigins(await loadConfig({ NODE_ENV: 'test' }))).toEqual([]);
  });

  it('names an invalid DATABASE_URL without showing it', async () => {
    const error = await configErrorOf(loadConfig({ DATABASE_URL: 'mysql://root:hunter2-secret@db/ledger' }));

    expect(error.keys).toEqual(['DATABASE_URL']);
    expect(error.message).not.toContain('hunter2');
  });

  it('reports every invalid variable at once', async () => {
    const error = await configErrorOf(loadConfig({ PORT: 'abc', HOLD_TTL_SECONDS: '-3', NODE_ENV: 'prod' }));

    expect(error.keys).toEqual(expect.arrayContaining(['PORT', 'HOLD_TTL_SECONDS', 'NODE_ENV']));
  });

  it('does not read or change process.env when given an environment', async () => {
    const before = { ...process.env };

    await loadConfig({ PORT: '4000' });

    expect(process.env).toEqual(before);
  });
});

describe('production', () => {
  it('refuses to start without SES_FROM_ADDRESS: customer e-mails would only be files on its disk', async () => {
    const { SES_FROM_ADDRESS: _from, ...rest } = productionEnv;

    const error = await configErrorOf(loadConfig(rest));

    expect(error.keys).toEqual(['SES_FROM_ADDRESS']);
  });

  it('starts with Cognito, a database and every payment secret', async () => {
    const config = await loadConfig({ ...productionEnv });

    expect(config).toMatchObject({ nodeEnv: 'production', cognito: { userPoolId: 'eu-west-1_AbC123' } });
  });

  it('names every missing variable, and only names', async () => {
    const error = await configErrorOf(loadConfig({ NODE_ENV: 'production' }));

    expect(error.keys).toEqual([...requiredInProduction]);
    for (const key of requiredInProduction) expect(error.message).toContain(key);
    expect(error.message).toContain('required when NODE_ENV=production');
  });

  it.each(requiredInProduction)('fails without %s, never showing a value', async (missing) => {
    const env: Record<string, string> = { ...productionEnv };
    delete env[missing];

    const error = await configErrorOf(loadConfig({ ...env, PORT: 'abc' }));

    expect(error.keys).toEqual([missing, 'PORT']);
    for (const value of Object.values(productionSecrets)) expect(`${error.message} ${String(error.cause)}`).not.toContain(value);
  });

  it('allows no embedded database and no dev identity', async () => {
    const { DATABASE_URL: _url, COGNITO_USER_POOL_ID: _pool, COGNITO_CLIENT_ID: _client, ...rest } = productionEnv;

    const error = await configErrorOf(loadConfig(rest));

    expect(error.keys).toEqual(['COGNITO_USER_POOL_ID', 'COGNITO_CLIENT_ID', 'DATABASE_URL']);
  });
});

describe('loadConfig with AWS_SECRETS_ID (fake fetch)', () => {
  function fakeSecrets(secretString: string): { fetchSecrets: (request: SecretsRequest) => Promise<string>; requests: SecretsRequest[] } {
    const requests: SecretsRequest[] = [];
    return {
      requests,
      fetchSecrets: async (request) => {
        requests.push(request);
        return secretString;
      },
    };
  }

  it('lets the secret override the environment', async () => {
    const fake = fakeSecrets(JSON.stringify({ STRIPE_SECRET_KEY: 'sk_from_secret', PORT: 4000, UNRELATED_KEY: 'x' }));

    const config = await loadConfig(
      {
        AWS_SECRETS_ID: 'ledger/prod',
        AWS_REGION: 'eu-west-1',
        STRIPE_SECRET_KEY: 'sk_from_env',
        AWS_ACCESS_KEY_ID: 'AKID',
        AWS_SECRET_ACCESS_KEY: 'SAK',
      },
      fake,
    );

    expect(config.stripe.secretKey).toBe('sk_from_secret');
    expect(config.port).toBe(4000);
    expect(config.aws).toEqual({ secretsId: 'ledger/prod', region: 'eu-west-1' });
    expect(fake.requests).toEqual([
      { secretId: 'ledger/prod', region: 'eu-west-1', credentials: { accessKeyId: 'AKID', secretAccessKey: 'SAK' } },
    ]);
  });

  it('supplies production secrets that the environment lacks', async () => {
    const { NODE_ENV, COGNITO_USER_POOL_ID, COGNITO_CLIENT_ID, SES_FROM_ADDRESS } = productionEnv;
    const fake = fakeSecrets(JSON.stringify(productionSecrets));

    const config = await loadConfig(
      { NODE_ENV, COGNITO_USER_POOL_ID, COGNITO_CLIENT_ID, SES_FROM_ADDRESS, AWS_SECRETS_ID: 'ledger/prod', AWS_REGION: 'eu-west-1' },
      fake,
    );

    expect(config.mercadopago.webhookSecret).toBe(productionSecrets.MERCADOPAGO_WEBHOOK_SECRET);
  });

  it('takes the region from a secret ARN', async () => {
    const fake = fakeSecrets('{}');

    await loadConfig({ AWS_SECRETS_ID: 'arn:aws:secretsmanager:sa-east-1:123456789012:secret:ledger-AbCdEf' }, fake);

    expect(fake.requests[0]?.region).toBe('sa-east-1');
  });

  it('needs AWS_REGION for a secret name', async () => {
    const error = await configErrorOf(loadConfig({ AWS_SECRETS_ID: 'ledger/prod' }, fakeSecrets('{}')));

    expect(error.keys).toEqual(['AWS_REGION']);
  });

  it('does not let the secret change NODE_ENV or where secrets come from', async () => {
    const fake = fakeSecrets(JSON.stringify({ NODE_ENV: 'production', AWS_REGION: 'us-west-2' }));

    const config = await loadConfig({ AWS_SECRETS_ID: 'ledger/dev', AWS_REGION: 'eu-west-1' }, fake);

    expect(config.nodeEnv).toBe('development');
    expect(config.aws.region).toBe('eu-west-1');
  });

  it('refuses a secret that is not a JSON object, without quoting it', async () => {
    for (const secretString of ['sk_live_plain-secret-value', '["sk_live_plain-secret-value"]']) {
      const error = await configErrorOf(loadConfig({ AWS_SECRETS_ID: 'ledger/prod', AWS_REGION: 'eu-west-1' }, fakeSecrets(secretString)));

      expect(error.message).toMatch(/is not a JSON object keyed by variable names/);
      expect(error.message).not.toContain('plain-secret');
      expect(error.cause).toBeUndefined();
    }
  });

  it('refuses non-string values for known variables, naming them', async () => {
    const fake = fakeSecrets(JSON.stringify({ STRIPE_SECRET_KEY: { nested: 'sk_live_nested-secret' } }));

    const error = await configErrorOf(loadConfig({ AWS_SECRETS_ID: 'ledger/prod', AWS_REGION: 'eu-west-1' }, fake));

    expect(error.keys).toEqual(['STRIPE_SECRET_KEY']);
    expect(error.message).not.toContain('nested-secret');
  });

  it('validates values that came from the secret by their variable name', async () => {
    const fake = fakeSecrets(JSON.stringify({ DATABASE_URL: 'redis://:pw-from-secret@cache' }));

    const error = await configErrorOf(loadConfig({ AWS_SECRETS_ID: 'ledger/prod', AWS_REGION: 'eu-west-1' }, fake));

    expect(error.keys).toEqual(['DATABASE_URL']);
    expect(error.message).not.toContain('pw-from-secret');
  });
});
