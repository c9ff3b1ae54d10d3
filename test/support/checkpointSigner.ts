import { generateKeyPairSync } from 'node:crypto';
import { checkpointSigner, type CheckpointSigner } from '../../src/audit/checkpointSigning.js';

/** A fresh Ed25519 checkpoint signer, as Secrets Manager would hand the server one. */
export function createTestCheckpointSigner(): CheckpointSigner {
  return checkpointSigner(generateKeyPairSync('ed25519').privateKey);
}
