import { hash } from 'node:crypto';

/**
 * SHA-256 of UTF-8 text in one call. A command hashes several times (its events' chain links, its
 * request's fingerprint, the caller's token), and a `createHash` object costs more to make than
 * the hashing of a short text does.
 */
export function sha256(text: string, encoding: 'hex' | 'base64url' = 'hex'): string {
  return hash('sha256', text, encoding);
}
