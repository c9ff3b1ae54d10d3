import { randomUUID } from 'node:crypto';
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Mailer, OutgoingEmail } from './mailer.js';

/** RFC 2047: a header in UTF-8 that any mail reader decodes. */
const encodedWord = (text: string) => `=?UTF-8?B?${Buffer.from(text, 'utf8').toString('base64')}?=`;

/** Base64 in lines of 76 characters (RFC 2045). */
const base64Lines = (text: string) =>
  (
    Buffer.from(text, 'utf8')
      .toString('base64')
      .match(/.{1,76}/g) ?? []
  ).join('\r\n');

/** The e-mail as an RFC 5322 message, multipart/alternative: what a mail program opens. */
export function emlOf(email: OutgoingEmail, from: string, messageId: string, date: Date): string {
  const boundary = `ledger-${randomUUID()}`;
  return [
    `From: ${from}`,
    `To: ${email.to}`,
    `Subject: ${encodedWord(email.subject)}`,
    `Date: ${date.toUTCString()}`,
    `Message-ID: <${messageId}>`,
    'MIME-Version: 1.0',
    `Content-Type: multipart/alternative; boundary="${boundary}"`,
    '',
    `--${boundary}`,
    'Content-Type: text/plain; charset=UTF-8',
    'Content-Transfer-Encoding: base64',
    '',
    base64Lines(email.text),
    `--${boundary}`,
    'Content-Type: text/html; charset=UTF-8',
    'Content-Transfer-Encoding: base64',
    '',
    base64Lines(email.html),
    `--${boundary}--`,
    '',
  ].join('\r\n');
}

/**
 * Development without SES: each e-mail is written to `<dir>/<reservation>-<kind>-<id>.eml` and a
 * line is logged, so that a developer opens what a customer would get. Never in production (config).
 */
export function createEmlFileMailer(dir: string, log: { info(message: string): void }, clock: () => Date = () => new Date()): Mailer {
  return {
    channel: 'file',
    async send(email) {
      const messageId = `${randomUUID()}@booking-ledger.local`;
      await mkdir(dir, { recursive: true, mode: 0o700 });
      const file = join(dir, `${email.reservationId}-${email.kind}-${messageId.split('@')[0] ?? messageId}.eml`);
      // Private: the file holds a customer's name and address.
      await writeFile(file, emlOf(email, 'booking-ledger@localhost', messageId, clock()), { mode: 0o600, flag: 'wx' });
      log.info(`e-mail ${email.kind} of reservation ${email.reservationId} written to ${file} (no SES_FROM_ADDRESS)`);
      return { messageId };
    },
    async removeCopiesOf(reservationIds) {
      // Reservation ids are UUIDs of one length: `<id>-` names that reservation's files only.
      const prefixes = reservationIds.map((id) => `${id}-`);
      const files = await readdir(dir).catch((error: unknown) => {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return []; // nothing was ever sent
        throw error;
      });
      for (const file of files)
        if (file.endsWith('.eml') && prefixes.some((prefix) => file.startsWith(prefix))) await rm(join(dir, file), { force: true });
    },
  };
}
