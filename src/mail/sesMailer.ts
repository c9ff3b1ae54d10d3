import { SendEmailCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import type { Mailer } from './mailer.js';

export type SesMailerSettings = {
  /** SES_FROM_ADDRESS: a verified identity of the account. */
  readonly fromAddress: string;
  /** Absent: AWS_REGION, as the SDK reads it. */
  readonly region?: string;
  /** AWS_ENDPOINT_URL_SESV2: another endpoint than the region's (tests' loopback server). */
  readonly endpoint?: string;
  /** Absent: the SDK's default provider chain (task or instance role, profile, …). */
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string };
  /**
   * Tries per call, the SDK's own retries included: throttling (`TooManyRequestsException`, 429)
   * and transient errors are retried with the SDK's backoff before the job sees a failure, and the
   * job queue's own backoff takes over after that.
   */
  readonly maxAttempts?: number;
  /** How long one request may wait for SES's answer before the attempt counts as failed. */
  readonly requestTimeoutMs?: number;
};

/** Customer e-mails through Amazon SES v2 `SendEmail`, as one simple message with HTML and text bodies. */
export function createSesMailer(settings: SesMailerSettings): Mailer {
  const client = new SESv2Client({
    ...(settings.region === undefined ? {} : { region: settings.region }),
    ...(settings.endpoint === undefined ? {} : { endpoint: settings.endpoint }),
    ...(settings.credentials === undefined ? {} : { credentials: settings.credentials }),
    maxAttempts: settings.maxAttempts ?? 5,
    requestHandler: { requestTimeout: settings.requestTimeoutMs ?? 10_000 },
  });
  return {
    channel: 'ses',
    async send(email) {
      const answer = await client.send(
        new SendEmailCommand({
          FromEmailAddress: settings.fromAddress,
          Destination: { ToAddresses: [email.to] },
          Content: {
            Simple: {
              Subject: { Data: email.subject, Charset: 'UTF-8' },
              Body: { Html: { Data: email.html, Charset: 'UTF-8' }, Text: { Data: email.text, Charset: 'UTF-8' } },
            },
          },
          EmailTags: [{ Name: 'kind', Value: email.kind }],
        }),
      );
      if (answer.MessageId === undefined) throw new Error('SES accepted the e-mail without a MessageId');
      return { messageId: answer.MessageId };
    },
  };
}
