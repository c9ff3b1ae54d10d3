import { GetSecretValueCommand, ResourceNotFoundException, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { ConfigError } from './errors.js';
import { normalizeEnvValue, type EnvValues } from './variables.js';

export type AwsCredentials = {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
};

export type SecretsRequest = {
  readonly secretId: string;
  readonly region: string;
  readonly endpointUrl?: string;
  /** Absent: the SDK's default provider chain (instance/task role, profile, …). */
  readonly credentials?: AwsCredentials;
};

/** Resolves to the secret's `SecretString`. */
export type FetchSecretString = (request: SecretsRequest) => Promise<string>;

/**
 * Builds the request from the variables that locate the secret. `env` is consulted for the AWS
 * credential variables because `loadConfig` may be given an environment other than `process.env`,
 * which the SDK's default chain would read instead.
 */
export function secretsRequestFromEnv(values: EnvValues, env: NodeJS.ProcessEnv): SecretsRequest {
  const secretId = values.AWS_SECRETS_ID;
  if (secretId === undefined) {
    throw new ConfigError('AWS_SECRETS_ID is not set', { keys: ['AWS_SECRETS_ID'] });
  }
  // An ARN names its region; a bare secret name needs AWS_REGION.
  const region = values.AWS_REGION ?? /^arn:[^:]+:secretsmanager:([^:]+):/.exec(secretId)?.[1];
  if (region === undefined) {
    throw new ConfigError('AWS_REGION is required when AWS_SECRETS_ID is a secret name rather than an ARN', {
      keys: ['AWS_REGION'],
    });
  }
  const endpointUrl = values.AWS_ENDPOINT_URL;
  if (endpointUrl !== undefined && !/^https?:$/.test(safeProtocol(endpointUrl))) {
    throw new ConfigError('AWS_ENDPOINT_URL must be an http(s) URL', { keys: ['AWS_ENDPOINT_URL'] });
  }
  const accessKeyId = normalizeEnvValue(env.AWS_ACCESS_KEY_ID);
  const secretAccessKey = normalizeEnvValue(env.AWS_SECRET_ACCESS_KEY);
  const sessionToken = normalizeEnvValue(env.AWS_SESSION_TOKEN);
  const credentials =
    accessKeyId !== undefined && secretAccessKey !== undefined
      ? { accessKeyId, secretAccessKey, ...(sessionToken === undefined ? {} : { sessionToken }) }
      : undefined;
  return {
    secretId,
    region,
    ...(endpointUrl === undefined ? {} : { endpointUrl }),
    ...(credentials === undefined ? {} : { credentials }),
  };
}

/** Reads one secret with `GetSecretValue`; every failure becomes a `ConfigError` naming AWS_SECRETS_ID. */
export async function fetchSecretString(request: SecretsRequest): Promise<string> {
  const client = new SecretsManagerClient({
    region: request.region,
    ...(request.endpointUrl === undefined ? {} : { endpoint: request.endpointUrl }),
    ...(request.credentials === undefined ? {} : { credentials: request.credentials }),
    // Startup must fail with a message, not hang, when the endpoint never answers.
    requestHandler: { connectionTimeout: 5_000, requestTimeout: 15_000 },
  });
  try {
    const output = await client.send(new GetSecretValueCommand({ SecretId: request.secretId }));
    if (output.SecretString === undefined) {
      throw new ConfigError(
        `AWS Secrets Manager secret "${request.secretId}" (AWS_SECRETS_ID) holds binary data; expected a JSON object keyed by variable names`,
        { keys: ['AWS_SECRETS_ID'] },
      );
    }
    return output.SecretString;
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    throw secretReadFailure(request.secretId, error);
  } finally {
    client.destroy();
  }
}

function secretReadFailure(secretId: string, error: unknown): ConfigError {
  const notFound = error instanceof ResourceNotFoundException || (error instanceof Error && error.name === 'ResourceNotFoundException');
  // SDK failures describe the request (ids, ARNs, endpoints), never the secret's content.
  const detail = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  const what = notFound ? `was not found (${detail})` : `could not be read (${detail})`;
  return new ConfigError(`AWS Secrets Manager secret "${secretId}" named by AWS_SECRETS_ID ${what}`, {
    keys: ['AWS_SECRETS_ID'],
    cause: error,
  });
}

function safeProtocol(url: string): string {
  return URL.canParse(url) ? new URL(url).protocol : '';
}
