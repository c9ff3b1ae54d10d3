import { createHash, createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';

/**
 * Signs checkpoint hashes with an Ed25519 key kept outside the database (Secrets Manager or the
 * environment). Whoever can write the database can recompute hash chains — of streams and of
 * checkpoints alike — but cannot sign a rewritten checkpoint without this key.
 */
export type CheckpointSigner = {
  readonly keyId: string;
  sign(checkpointHash: string): string;
  /** The half an auditor keeps to verify checkpoints, as SPKI PEM. */
  readonly publicKeyPem: string;
};

export type CheckpointVerifyingKey = {
  readonly keyId: string;
  verify(checkpointHash: string, signature: string): boolean;
};

export class CheckpointKeyError extends Error {
  override readonly name = 'CheckpointKeyError';
}

/** sha-256 of the public key's SPKI DER: names the key in every checkpoint it signed. */
export function checkpointKeyId(publicKey: KeyObject): string {
  return createHash('sha256')
    .update(publicKey.export({ type: 'spki', format: 'der' }))
    .digest('hex');
}

export function checkpointSigner(privateKey: KeyObject): CheckpointSigner {
  requireEd25519(privateKey);
  const publicKey = createPublicKey(privateKey);
  return {
    keyId: checkpointKeyId(publicKey),
    sign: (checkpointHash) => sign(null, Buffer.from(checkpointHash, 'utf8'), privateKey).toString('base64'),
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

export function checkpointVerifyingKey(publicKey: KeyObject): CheckpointVerifyingKey {
  requireEd25519(publicKey);
  return {
    keyId: checkpointKeyId(publicKey),
    verify: (checkpointHash, signature) => verify(null, Buffer.from(checkpointHash, 'utf8'), publicKey, Buffer.from(signature, 'base64')),
  };
}

/** The verifying half of a signer, for a server or CLI that holds the private key anyway. */
export function verifyingKeyOf(signer: CheckpointSigner): CheckpointVerifyingKey {
  return checkpointVerifyingKey(createPublicKey(signer.publicKeyPem));
}

/**
 * An Ed25519 private key as PKCS#8 PEM, or as the base64 of its DER (one line, which fits an
 * environment variable). Errors never quote the text: it is a secret.
 */
export function parseCheckpointSigningKey(text: string): KeyObject {
  let key: KeyObject;
  try {
    key = text.includes('-----BEGIN')
      ? createPrivateKey(text)
      : createPrivateKey({ key: Buffer.from(text, 'base64'), format: 'der', type: 'pkcs8' });
  } catch {
    throw new CheckpointKeyError('the checkpoint signing key is not a PKCS#8 private key (PEM, or base64 DER)');
  }
  requireEd25519(key);
  return key;
}

/** An Ed25519 public key as SPKI PEM, as `ledger checkpoint --public-key` prints it. */
export function parseCheckpointPublicKey(text: string): CheckpointVerifyingKey {
  let key: KeyObject;
  try {
    key = createPublicKey(text);
  } catch {
    throw new CheckpointKeyError('the checkpoint public key is not an SPKI PEM public key');
  }
  return checkpointVerifyingKey(key);
}

function requireEd25519(key: KeyObject): void {
  if (key.asymmetricKeyType !== 'ed25519') {
    throw new CheckpointKeyError(`checkpoints are signed with Ed25519 keys, not ${key.asymmetricKeyType ?? 'symmetric'} keys`);
  }
}
