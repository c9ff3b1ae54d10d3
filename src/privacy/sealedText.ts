import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/**
 * A personal field as the ledger stores it: `pii1.<keyId>.<base64url of iv ‖ ciphertext ‖ tag>`,
 * AES-256-GCM under the customer's data key, with the key's id as additional data (a value moved
 * under another key's id does not open). A string, so the event and read-model schemas that say
 * `z.string()` hold it unchanged, and the hash chain covers exactly these bytes (ADR 0048).
 */
const PREFIX = 'pii1.';
const IV_BYTES = 12;
const TAG_BYTES = 16;
export const DATA_KEY_BYTES = 32;

/** What an erased customer's fields read as, everywhere (API.md, Personal data). */
export const ERASED = '[erased]';

export type DataKey = { readonly keyId: string; readonly key: Buffer };

export function sealText({ keyId, key }: DataKey, plaintext: string): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(keyId, 'utf8'));
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return `${PREFIX}${keyId}.${Buffer.concat([iv, body, cipher.getAuthTag()]).toString('base64url')}`;
}

/** The data key a stored value was sealed under; null for a value that is not sealed (recorded before ADR 0048). */
export function sealedKeyId(stored: string): string | null {
  if (!stored.startsWith(PREFIX)) return null;
  const end = stored.indexOf('.', PREFIX.length);
  return end < 0 ? null : stored.slice(PREFIX.length, end);
}

export class SealedTextError extends Error {
  override readonly name = 'SealedTextError';
}

/** Opens a value sealed under `dataKey`; a tampered value or the wrong key throws (GCM's tag), never reads as something else. */
export function openText({ keyId, key }: DataKey, stored: string): string {
  if (sealedKeyId(stored) !== keyId) throw new SealedTextError(`value is not sealed under data key ${keyId}`);
  const raw = Buffer.from(stored.slice(PREFIX.length + keyId.length + 1), 'base64url');
  if (raw.length < IV_BYTES + TAG_BYTES) throw new SealedTextError('sealed value is too short');
  const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, IV_BYTES));
  decipher.setAAD(Buffer.from(keyId, 'utf8'));
  decipher.setAuthTag(raw.subarray(raw.length - TAG_BYTES));
  return Buffer.concat([decipher.update(raw.subarray(IV_BYTES, raw.length - TAG_BYTES)), decipher.final()]).toString('utf8');
}
