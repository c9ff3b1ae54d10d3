import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { canonicalJson } from '../../../src/ledger/canonicalJson.js';
import { type FakeRequest, type FakeResponse, startJsonServer } from './http.js';

/**
 * An AWS KMS double speaking KMS's JSON protocol (`X-Amz-Target: TrentService.Encrypt|Decrypt`,
 * `application/x-amz-json-1.1`, blobs in base64, errors as `{ __type, message }`): one symmetric key,
 * whose ciphertext blobs are bound to the encryption context as KMS's are. Counts the calls, so a
 * test can see that unwrapped keys are cached.
 */
export async function startFakeKms(keyId = 'alias/booking-ledger-test') {
  const key = randomBytes(32);
  const calls = { Encrypt: 0, Decrypt: 0 };
  const error = (type: string, message: string): FakeResponse => ({ status: 400, body: { __type: type, message } });
  const handle = (request: FakeRequest): FakeResponse => {
    const target = request.headers['x-amz-target'];
    const body = JSON.parse(request.body) as Record<string, unknown>;
    const context = Buffer.from(canonicalJson(body.EncryptionContext ?? {}), 'utf8');
    if (target === 'TrentService.Encrypt') {
      calls.Encrypt += 1;
      if (body.KeyId !== keyId) return error('NotFoundException', `key ${String(body.KeyId)} not found`);
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      cipher.setAAD(context);
      const sealed = Buffer.concat([cipher.update(Buffer.from(String(body.Plaintext), 'base64')), cipher.final()]);
      return { status: 200, body: { KeyId: keyId, CiphertextBlob: Buffer.concat([iv, sealed, cipher.getAuthTag()]).toString('base64') } };
    }
    if (target === 'TrentService.Decrypt') {
      calls.Decrypt += 1;
      const blob = Buffer.from(String(body.CiphertextBlob), 'base64');
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, blob.subarray(0, 12));
        decipher.setAAD(context);
        decipher.setAuthTag(blob.subarray(blob.length - 16));
        const plain = Buffer.concat([decipher.update(blob.subarray(12, blob.length - 16)), decipher.final()]);
        return { status: 200, body: { KeyId: keyId, Plaintext: plain.toString('base64') } };
      } catch {
        return error('InvalidCiphertextException', 'the ciphertext or its encryption context does not match');
      }
    }
    return error('UnknownOperationException', `unknown target ${String(target)}`);
  };
  const server = await startJsonServer(handle);
  return { ...server, keyId, calls };
}
