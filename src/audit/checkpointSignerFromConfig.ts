import { generateKeyPairSync } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AppConfig } from '../config/config.js';
import { ConfigError } from '../config/errors.js';
import { createPrivateFileOnce, isErrnoException, restrictToOwner } from '../fs/privateFile.js';
import { checkpointSigner, parseCheckpointSigningKey, type CheckpointSigner } from './checkpointSigning.js';

export const DEV_CHECKPOINT_KEY_FILE_NAME = 'checkpoint-signing-key.pem';

export const SHARED_CHECKPOINT_KEY_REQUIRED =
  'LEDGER_CHECKPOINT_SIGNING_KEY is required when DATABASE_URL is set: every instance over one database must sign checkpoints ' +
  'with the same key, or verify fails on all of them (signed_by_other_key). Make one with ' +
  '`openssl genpkey -algorithm ed25519` and give the same PEM to every instance and to the CLI (verify also takes --public-key FILE)';

/**
 * The configured signing key (`LEDGER_CHECKPOINT_SIGNING_KEY`), or, with the embedded database, a
 * local key under the data directory, created on first use and kept, so checkpoints signed before a
 * restart still verify after it. With `DATABASE_URL` the key is required: instances over a shared
 * database share no data directory, so each would make its own key (ADR 0035).
 */
export async function checkpointSignerFromConfig(
  config: Pick<AppConfig, 'checkpointSigningKey' | 'dataDir' | 'databaseUrl'>,
): Promise<CheckpointSigner> {
  if (config.checkpointSigningKey !== undefined) return checkpointSigner(parseCheckpointSigningKey(config.checkpointSigningKey));
  if (config.databaseUrl !== undefined) throw new ConfigError(SHARED_CHECKPOINT_KEY_REQUIRED, { keys: ['LEDGER_CHECKPOINT_SIGNING_KEY'] });
  const file = join(config.dataDir, DEV_CHECKPOINT_KEY_FILE_NAME);
  const existing = await readKeyFile(file);
  if (existing !== undefined) return checkpointSigner(parseCheckpointSigningKey(existing));
  await mkdir(config.dataDir, { recursive: true, mode: 0o700 });
  const { privateKey } = generateKeyPairSync('ed25519');
  // A concurrent creator may win the race; everyone then uses the winner's key.
  await createPrivateFileOnce(file, privateKey.export({ type: 'pkcs8', format: 'pem' }).toString());
  const stored = await readKeyFile(file);
  if (stored === undefined) throw new Error(`${file} disappeared right after it was created`);
  return checkpointSigner(parseCheckpointSigningKey(stored));
}

async function readKeyFile(file: string): Promise<string | undefined> {
  try {
    const text = await readFile(file, 'utf8');
    await restrictToOwner(file);
    return text;
  } catch (error) {
    if (isErrnoException(error) && error.code === 'ENOENT') return undefined;
    throw error;
  }
}
