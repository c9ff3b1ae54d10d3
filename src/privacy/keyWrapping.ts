import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/**
 * What protects the customers' data keys at rest: a data key is stored only wrapped (encrypted) by
 * a key that never enters the database — AWS KMS, a master key from Secrets Manager, or outside
 * production a key file under LEDGER_DATA_DIR (ADR 0048). Erasing a customer deletes the wrapped
 * key; the wrapping key itself is never erased.
 */
export type KeyWrapper = {
  /** For logs and the ADR's operator notes: `kms:<key id>`, `master-key`, `local-file`. */
  readonly name: string;
  wrap(dataKey: Buffer): Promise<Buffer>;
  unwrap(wrapped: Buffer): Promise<Buffer>;
};

const IV_BYTES = 12;
const TAG_BYTES = 16;
const AAD = Buffer.from('booking-ledger data key', 'utf8');

/** AES-256-GCM key wrapping under a 32-byte master key held by this process (Secrets Manager or a local file). */
export function masterKeyWrapper(masterKey: Buffer, name: string): KeyWrapper {
  if (masterKey.length !== 32) throw new Error(`the personal data master key must be 32 bytes, not ${masterKey.length}`);
  return {
    name,
    wrap: (dataKey) => {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', masterKey, iv);
      cipher.setAAD(AAD);
      const body = Buffer.concat([cipher.update(dataKey), cipher.final()]);
      return Promise.resolve(Buffer.concat([iv, body, cipher.getAuthTag()]));
    },
    unwrap: (wrapped) => {
      const decipher = createDecipheriv('aes-256-gcm', masterKey, wrapped.subarray(0, IV_BYTES));
      decipher.setAAD(AAD);
      decipher.setAuthTag(wrapped.subarray(wrapped.length - TAG_BYTES));
      return Promise.resolve(Buffer.concat([decipher.update(wrapped.subarray(IV_BYTES, wrapped.length - TAG_BYTES)), decipher.final()]));
    },
  };
}
