import { createHmac, timingSafeEqual } from 'node:crypto';

/** A webhook signature check's answer; a refusal says why (logged, never sent back). */
export type SignatureCheck = { readonly ok: true } | { readonly ok: false; readonly reason: string };

export function hmacSha256Hex(secret: string, message: string): string {
  return createHmac('sha256', secret).update(message, 'utf8').digest('hex');
}

/**
 * Compares a computed lowercase hex digest with a received one in constant time. The received
 * value is compared as-is, so uppercase hex does not match (both providers send lowercase).
 */
export function sameDigest(expectedHex: string, receivedHex: string): boolean {
  const expected = Buffer.from(expectedHex, 'utf8');
  const received = Buffer.from(receivedHex, 'utf8');
  // Lengths are public (64 hex characters); only the content must not leak through timing.
  if (expected.length !== received.length) return false;
  return timingSafeEqual(expected, received);
}

export const SIGNATURE_TOLERANCE_SECONDS = 300;

/** `k=v,k=v` headers of both providers; a key may repeat (Stripe sends one `v1` per active secret). */
export function parseSignatureHeader(header: string): { key: string; value: string }[] {
  return header.split(',').flatMap((part) => {
    const at = part.indexOf('=');
    if (at <= 0) return [];
    return [{ key: part.slice(0, at).trim(), value: part.slice(at + 1).trim() }];
  });
}
