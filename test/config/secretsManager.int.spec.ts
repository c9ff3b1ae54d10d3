import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { ConfigError } from '../../src/config/errors.js';
import { fetchSecretString } from '../../src/config/secretsManager.js';

/**
 * A stand-in for AWS Secrets Manager speaking its JSON 1.1 protocol, so the real SDK client (signing,
 * serialization, error parsing) is exercised without AWS.
 */
type RecordedRequest = { method: string; url: string; headers: IncomingHttpHeaders; body: unknown };

const secrets: Record<string, Record<string, string>> = {
  'ledger/prod': {
    DATABASE_URL: 'postgres://ledger:db-pass-from-sm@db.internal:5432/ledger',
    SYSTEM_DATABASE_URL: 'postgres://ledger_system_login:db-system-pass-from-sm@db.internal:5432/ledger',
    STRIPE_SECRET_KEY: 'sk_live_from_sm',
    STRIPE_WEBHOOK_SECRET: 'whsec_from_sm',
    MERCADOPAGO_ACCESS_TOKEN: 'APP_USR-from-sm',
    MERCADOPAGO_WEBHOOK_SECRET: 'mp-hook-from-sm',
    LEDGER_CHECKPOINT_SIGNING_KEY: 'checkpoint-key-from-sm',
  },
  'ledger/partial': { STRIPE_SECRET_KEY: 'sk_live_partial_from_sm' },
};

const requests: RecordedRequest[] = [];
let server: Server;
let endpoint: string;

beforeAll(async () => {
  server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as { SecretId?: string };
      requests.push({ method: request.method ?? '', url: request.url ?? '', headers: request.headers, body });
      const reply = (status: number, payload: unknown): void => {
        response.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' });
        response.end(JSON.stringify(payload));
      };
      if (request.headers['x-amz-target'] !== 'secretsmanager.GetSecretValue') {
        reply(400, { __type: 'UnknownOperationException', message: 'unexpected target' });
        return;
      }
      const secret = body.SecretId === undefined ? undefined : secrets[body.SecretId];
      if (secret === undefined) {
        reply(400, { __type: 'ResourceNotFoundException', message: "Secrets Manager can't find the specified secret." });
        return;
      }
      reply(200, {
        ARN: `arn:aws:secretsmanager:eu-west-1:123456789012:secret:${body.SecretId}-AbCdEf`,
        Name: body.SecretId,
        SecretString: JSON.stringify(secret),
        VersionId: 'a1b2c3d4-5678-90ab-cdef-EXAMPLE11111',
        VersionStages: ['AWSCURRENT'],
        CreatedDate: 1700000000,
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
});

beforeEach(() => {
  requests.length = 0;
});

function awsEnv(secretId: string): NodeJS.ProcessEnv {
  return {
    AWS_SECRETS_ID: secretId,
    AWS_REGION: 'eu-west-1',
    AWS_ENDPOINT_URL: endpoint,
    AWS_ACCESS_KEY_ID: 'AKIDLEDGERTEST',
    AWS_SECRET_ACCESS_KEY: 'fake-secret-access-key',
  };
}

describe('loadConfig with AWS Secrets Manager (real SDK, local endpoint)', () => {
  it('reads the secret with GetSecretValue and lets it override the environment', async () => {
    const config = await loadConfig({ ...awsEnv('ledger/prod'), STRIPE_SECRET_KEY: 'sk_test_from_env', PORT: '4000' });

    expect(config.stripe.secretKey).toBe('sk_live_from_sm');
    expect(config.databaseUrl).toBe(secrets['ledger/prod']?.DATABASE_URL);
    expect(config.port).toBe(4000);
    expect(config.aws).toEqual({ secretsId: 'ledger/prod', region: 'eu-west-1', endpointUrl: endpoint });

    expect(requests).toHaveLength(1);
    const [request] = requests;
    expect(request).toMatchObject({ method: 'POST', url: '/', body: { SecretId: 'ledger/prod' } });
    expect(request?.headers['x-amz-target']).toBe('secretsmanager.GetSecretValue');
    expect(request?.headers['content-type']).toBe('application/x-amz-json-1.1');
    // Signed with the credentials from the given environment, for the given region.
    expect(request?.headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDLEDGERTEST\/\d{8}\/eu-west-1\/secretsmanager\/aws4_request/,
    );
  });

  it('lets production start with its secrets in Secrets Manager', async () => {
    const config = await loadConfig({
      ...awsEnv('ledger/prod'),
      NODE_ENV: 'production',
      COGNITO_USER_POOL_ID: 'eu-west-1_AbC123',
      COGNITO_CLIENT_ID: 'client-1',
      SES_FROM_ADDRESS: 'bookings@operator.example',
    });

    expect(config).toMatchObject({ nodeEnv: 'production', mercadopago: { webhookSecret: 'mp-hook-from-sm' } });
  });

  it('fails production naming what neither the environment nor the secret provides, without values', async () => {
    const error: unknown = await loadConfig({
      ...awsEnv('ledger/partial'),
      NODE_ENV: 'production',
      COGNITO_USER_POOL_ID: 'eu-west-1_AbC123',
      COGNITO_CLIENT_ID: 'client-1',
      SES_FROM_ADDRESS: 'bookings@operator.example',
    }).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).keys).toEqual([
      'DATABASE_URL',
      'SYSTEM_DATABASE_URL',
      'STRIPE_WEBHOOK_SECRET',
      'MERCADOPAGO_ACCESS_TOKEN',
      'MERCADOPAGO_WEBHOOK_SECRET',
      'LEDGER_CHECKPOINT_SIGNING_KEY',
    ]);
    expect((error as ConfigError).message).not.toContain('sk_live_partial_from_sm');
  });

  it('turns an unknown secret into a ConfigError that names it', async () => {
    const error: unknown = await loadConfig(awsEnv('ledger/missing')).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).keys).toEqual(['AWS_SECRETS_ID']);
    expect((error as ConfigError).message).toMatch(/secret "ledger\/missing" named by AWS_SECRETS_ID was not found/);
    expect((error as ConfigError).cause).toMatchObject({ name: 'ResourceNotFoundException' });
    expect(requests).toHaveLength(1);
  });

  it('turns an unreachable endpoint into a ConfigError', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const deadEndpoint = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`;
    await new Promise<void>((resolve) => closed.close(() => resolve()));

    await expect(
      fetchSecretString({
        secretId: 'ledger/prod',
        region: 'eu-west-1',
        endpointUrl: deadEndpoint,
        credentials: { accessKeyId: 'AKIDLEDGERTEST', secretAccessKey: 'fake' },
      }),
    ).rejects.toThrow(/secret "ledger\/prod" named by AWS_SECRETS_ID could not be read/);
  });
});
