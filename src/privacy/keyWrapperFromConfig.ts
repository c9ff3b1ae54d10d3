import { randomBytes } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AppConfig } from '../config/config.js';
import { ConfigError } from '../config/errors.js';
import { createPrivateFileOnce, isErrnoException, restrictToOwner } from '../fs/privateFile.js';
import { type KeyWrapper, masterKeyWrapper } from './keyWrapping.js';
import { kmsKeyWrapper } from './kmsKeyWrapper.js';

export const DEV_PII_MASTER_KEY_FILE_NAME = 'personal-data-master-key';

export const SHARED_PII_KEY_REQUIRED =
  'AWS_KMS_KEY_ID or PII_MASTER_KEY is required when DATABASE_URL is set or in production: every instance must unwrap the ' +
  "customers' data keys with the same key, and a key file on one machine's disk is lost with it";

/**
 * What wraps the customers' data keys (ADR 0048): AWS KMS when AWS_KMS_KEY_ID is set; else
 * PII_MASTER_KEY (32 bytes, base64: put it in the Secrets Manager secret); else, only with the
 * embedded database outside production, a key file under the data directory, made on first use.
 */
export async function keyWrapperFromConfig(
  config: Pick<AppConfig, 'personalData' | 'aws' | 'dataDir' | 'databaseUrl' | 'nodeEnv'>,
): Promise<KeyWrapper> {
  const { kmsKeyId, kmsEndpointUrl, masterKey } = config.personalData;
  if (kmsKeyId !== undefined) {
    const region = config.aws.region ?? /^arn:[^:]+:kms:([^:]+):/.exec(kmsKeyId)?.[1];
    if (region === undefined) {
      throw new ConfigError('AWS_REGION is required when AWS_KMS_KEY_ID is not a key ARN', { keys: ['AWS_REGION'] });
    }
    return kmsKeyWrapper({ keyId: kmsKeyId, region, ...(kmsEndpointUrl === undefined ? {} : { endpointUrl: kmsEndpointUrl }) });
  }
  if (masterKey !== undefined) return masterKeyWrapper(Buffer.from(masterKey, 'base64'), 'PII_MASTER_KEY');
  if (config.databaseUrl !== undefined || config.nodeEnv === 'production') {
    throw new ConfigError(SHARED_PII_KEY_REQUIRED, { keys: ['AWS_KMS_KEY_ID', 'PII_MASTER_KEY'] });
  }
  const file = join(config.dataDir, DEV_PII_MASTER_KEY_FILE_NAME);
  await mkdir(config.dataDir, { recursive: true, mode: 0o700 });
  // A concurrent creator may win the race; everyone then uses the winner's key.
  await createPrivateFileOnce(file, randomBytes(32).toString('base64'));
  return masterKeyWrapper(Buffer.from(await readKeyFile(file), 'base64'), `local file ${file}`);
}

async function readKeyFile(file: string): Promise<string> {
  try {
    const text = await readFile(file, 'utf8');
    await restrictToOwner(file);
    return text.trim();
  } catch (error) {
    if (isErrnoException(error) && error.code === 'ENOENT') throw new Error(`${file} disappeared right after it was created`);
    throw error;
  }
}
