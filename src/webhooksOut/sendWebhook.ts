import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import ipaddr from 'ipaddr.js';
import type { SignedHeaders } from './webhookSigning.js';

export type SendOutcome =
  /** The receiver answered: 2xx is delivered, anything else is retried. */
  | { readonly kind: 'answered'; readonly status: number }
  /** No answer: refused, reset, or not within the timeout. */
  | { readonly kind: 'no_answer'; readonly error: string };

/** A lookup that answers the one address already checked, so the connection goes where the rule allowed. */
function pinnedLookup(address: string): LookupFunction {
  const family = ipaddr.parse(address).kind() === 'ipv6' ? 6 : 4;
  return (_hostname, options, callback) => {
    if (options.all) callback(null, [{ address, family }]);
    else callback(null, address, family);
  };
}

/**
 * POSTs one signed webhook to `url`, connecting to `address` (the host's checked address; TLS still
 * verifies the certificate for the URL's host name). The response body is read and thrown away.
 */
export function sendWebhook(url: URL, address: string, headers: SignedHeaders, body: string, timeoutMs: number): Promise<SendOutcome> {
  const client = url.protocol === 'https:' ? https : http;
  return new Promise((resolve) => {
    const request = client.request(
      url,
      {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json', 'user-agent': 'booking-ledger-webhooks' },
        lookup: pinnedLookup(address),
        signal: AbortSignal.timeout(timeoutMs),
        // A redirect is not followed (node's client never does): the receiver must answer itself.
      },
      (response) => {
        response.on('error', (error) => resolve({ kind: 'no_answer', error: error.message }));
        response.on('end', () => resolve({ kind: 'answered', status: response.statusCode ?? 0 }));
        response.resume();
      },
    );
    request.on('error', (error) => {
      const timedOut = error.name === 'AbortError' || error.name === 'TimeoutError';
      resolve({ kind: 'no_answer', error: timedOut ? `no answer within ${timeoutMs} ms` : error.message });
    });
    request.end(body);
  });
}
