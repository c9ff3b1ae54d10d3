import { generateKeyPairSync } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AppConfig } from '../config/config.js';
import { createPrivateFileOnce, isErrnoException, restrictToOwner } from '../fs/privateFile.js';
import { checkpointSigner, parseCheckpointSigningKey, type CheckpointSigner } from './checkpointSigning.js';

export const DEV_CHECKPOINT_KEY_FILE_NAME = 'checkpoint-signing-key.pem';

/**
 * The configured signing key (`LEDGER_CHECKPOINT_SIGNING_KEY`, required in production), or outside
 * production a local key under the data directory, created on first use and kept, so checkpoints
 * signed before a restart still verify after it.
 */
export async function checkpointSignerFromConfig(config: Pick<AppConfig, 'checkpointSigningKey' | 'dataDir'>): Promise<CheckpointSigner> {
  if (config.checkpointSigningKey !== undefined) return checkpointSigner(parseCheckpointSigningKey(config.checkpointSigningKey));
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
