import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';

/** A new endpoint's signing secret, in the Standard Webhooks form `whsec_<base64 of 32 random bytes>`. */
export function newWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

export type SignedHeaders = {
  readonly 'webhook-id': string;
  readonly 'webhook-timestamp': string;
  readonly 'webhook-signature': string;
};

/** The Standard Webhooks headers of one send: `v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<body>">`, by the `standardwebhooks` package. */
export function signWebhook(secret: string, id: string, at: Date, body: string): SignedHeaders {
  const signature = new Webhook(secret).sign(id, at, body);
  return { 'webhook-id': id, 'webhook-timestamp': String(Math.floor(at.getTime() / 1000)), 'webhook-signature': signature };
}
