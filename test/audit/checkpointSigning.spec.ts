import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkpointSignerFromConfig, DEV_CHECKPOINT_KEY_FILE_NAME } from '../../src/audit/checkpointSignerFromConfig.js';
import { ConfigError } from '../../src/config/errors.js';
import {
  CheckpointKeyError,
  checkpointSigner,
  parseCheckpointPublicKey,
  parseCheckpointSigningKey,
  verifyingKeyOf,
} from '../../src/audit/checkpointSigning.js';

const hash = 'a'.repeat(64);

describe('checkpoint signatures', () => {
  it('verify with the signer’s public key, and with nothing else', () => {
    const signer = checkpointSigner(generateKeyPairSync('ed25519').privateKey);
    const other = checkpointSigner(generateKeyPairSync('ed25519').privateKey);
    const signature = signer.sign(hash);
    expect(verifyingKeyOf(signer).verify(hash, signature)).toBe(true);
    expect(verifyingKeyOf(signer).verify('b'.repeat(64), signature)).toBe(false);
    expect(verifyingKeyOf(other).verify(hash, signature)).toBe(false);
    expect(parseCheckpointPublicKey(signer.publicKeyPem)).toMatchObject({ keyId: signer.keyId });
    expect(signer.keyId).not.toBe(other.keyId);
  });

  it('read the key as PKCS#8 PEM or as one-line base64 DER, with the same key id', () => {
    const { privateKey } = generateKeyPairSync('ed25519');
    const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const der = privateKey.export({ type: 'pkcs8', format: 'der' }).toString('base64');
    expect(checkpointSigner(parseCheckpointSigningKey(pem)).keyId).toBe(checkpointSigner(parseCheckpointSigningKey(der)).keyId);
  });

  it('refuse keys that are not Ed25519 or not keys, without quoting them', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    expect(() => parseCheckpointSigningKey(rsa)).toThrow(/Ed25519 keys, not rsa/);
    const garbage = 'not-a-key-but-a-secret-value';
    expect(() => parseCheckpointSigningKey(garbage)).toThrow(CheckpointKeyError);
    try {
      parseCheckpointSigningKey(garbage);
    } catch (error) {
      expect((error as Error).message).not.toContain(garbage);
    }
  });

  it('use the configured key, or outside production one kept under the data directory', async () => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'ledger-checkpoint-key-'));
    try {
      // The server and a CLI command may create it at the same moment: one key wins for both.
      const racing = await Promise.all([1, 2, 3].map(() => checkpointSignerFromConfig({ dataDir })));
      const first = racing[0]!;
      expect(new Set(racing.map((signer) => signer.keyId)).size).toBe(1);
      const file = path.join(dataDir, DEV_CHECKPOINT_KEY_FILE_NAME);
      expect((await stat(file)).mode & 0o077).toBe(0);
      expect((await checkpointSignerFromConfig({ dataDir })).keyId).toBe(first.keyId);

      const configured = await checkpointSignerFromConfig({ dataDir, checkpointSigningKey: await readFile(file, 'utf8') });
      expect(configured.keyId).toBe(first.keyId);
      const fresh = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'der' }).toString('base64');
      expect((await checkpointSignerFromConfig({ dataDir, checkpointSigningKey: fresh })).keyId).not.toBe(first.keyId);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('are required with DATABASE_URL, where instances share no data directory: no local key is made', async () => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'ledger-checkpoint-key-'));
    try {
      const refused = checkpointSignerFromConfig({ dataDir, databaseUrl: 'postgres://ledger@db.internal:5432/ledger' });
      await expect(refused).rejects.toThrow(ConfigError);
      await expect(refused).rejects.toMatchObject({
        keys: ['LEDGER_CHECKPOINT_SIGNING_KEY'],
        message: expect.stringContaining('openssl genpkey -algorithm ed25519'),
      });
      await expect(stat(path.join(dataDir, DEV_CHECKPOINT_KEY_FILE_NAME))).rejects.toMatchObject({ code: 'ENOENT' });
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
