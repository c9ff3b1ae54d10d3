import { DecryptCommand, EncryptCommand, KMSClient } from '@aws-sdk/client-kms';
import type { KeyWrapper } from './keyWrapping.js';

export type KmsSettings = {
  /** AWS_KMS_KEY_ID: a key id, ARN or alias of a symmetric KMS key. */
  readonly keyId: string;
  readonly region: string;
  /** AWS_ENDPOINT_URL_KMS: another endpoint speaking KMS's JSON protocol (tests, a VPC endpoint). */
  readonly endpointUrl?: string;
};

/**
 * Data keys wrapped by AWS KMS (`Encrypt`/`Decrypt` with the key id as encryption context's
 * purpose): the wrapping key never leaves KMS, and every unwrap is in CloudTrail. Unwrapped keys are
 * cached by the caller (personalData.ts), so KMS is asked once per customer key and process.
 */
export function kmsKeyWrapper(settings: KmsSettings, client?: KMSClient): KeyWrapper {
  const kms =
    client ??
    new KMSClient({
      region: settings.region,
      ...(settings.endpointUrl === undefined ? {} : { endpoint: settings.endpointUrl }),
    });
  const context = { purpose: 'booking-ledger customer data key' };
  return {
    name: `kms:${settings.keyId}`,
    wrap: async (dataKey) => {
      const out = await kms.send(new EncryptCommand({ KeyId: settings.keyId, Plaintext: dataKey, EncryptionContext: context }));
      if (!out.CiphertextBlob) throw new Error('KMS Encrypt returned no CiphertextBlob');
      return Buffer.from(out.CiphertextBlob);
    },
    unwrap: async (wrapped) => {
      const out = await kms.send(new DecryptCommand({ KeyId: settings.keyId, CiphertextBlob: wrapped, EncryptionContext: context }));
      if (!out.Plaintext) throw new Error('KMS Decrypt returned no Plaintext');
      return Buffer.from(out.Plaintext);
    },
  };
}
