import { createHmac } from 'node:crypto';
import { parseSignatureHeader, sameDigest, type SignatureCheck, SIGNATURE_TOLERANCE_SECONDS } from '../payments/hmac.js';

/**
 * PANEL.md's `Panel-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">`, within 300 s
 * of `now` either way. Checked on the exact bytes received, before anything of the body is read.
 */
export function verifyPanelSignature(rawBody: Buffer, header: string | undefined, secret: string, now: Date): SignatureCheck {
  if (header === undefined || header === '') return { ok: false, reason: 'no Panel-Signature header' };
  const parts = parseSignatureHeader(header);
  const timestamps = parts.filter((part) => part.key === 't');
  const signatures = parts.filter((part) => part.key === 'v1' && part.value !== '').map((part) => part.value);
  const t = timestamps.length === 1 ? timestamps[0]?.value : undefined;
  if (t === undefined || !/^\d+$/.test(t)) return { ok: false, reason: 'the header has no single unix timestamp t' };
  if (signatures.length === 0) return { ok: false, reason: 'the header has no v1 signature' };
  if (Math.abs(Number(t) - now.getTime() / 1000) > SIGNATURE_TOLERANCE_SECONDS) {
    return { ok: false, reason: 'timestamp outside the 300 s tolerance' };
  }
  // Over the bytes as received: a body that is not valid UTF-8 must not verify after a lossy decode.
  const expected = createHmac('sha256', secret).update(`${t}.`, 'utf8').update(rawBody).digest('hex');
  return signatures.some((signature) => sameDigest(expected, signature)) ? { ok: true } : { ok: false, reason: 'no v1 signature matches' };
}
