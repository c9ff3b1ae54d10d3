import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { mailerFromConfig } from '../../src/mail/mailerFromConfig.js';
import { renderCustomerEmail } from '../../src/mail/renderCustomerEmail.js';

let dataDir: string | undefined;
afterEach(async () => {
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

/** The decoded parts of a multipart/alternative message as the file holds it. */
function partsOf(eml: string): Record<string, string> {
  const boundary = /boundary="([^"]+)"/.exec(eml)?.[1] ?? '';
  const parts: Record<string, string> = {};
  for (const part of eml.split(`--${boundary}`).slice(1, -1)) {
    const [head = '', body = ''] = part.split('\r\n\r\n');
    const type = /Content-Type: ([^;]+)/.exec(head)?.[1] ?? '';
    parts[type] = Buffer.from(body.replace(/\r\n/g, ''), 'base64').toString('utf8');
  }
  return parts;
}

describe('customer e-mails without SES_FROM_ADDRESS (development)', () => {
  it('are written as private .eml files under <LEDGER_DATA_DIR>/mail/ with a log line each', async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'ledger-mail-'));
    const lines: string[] = [];
    const mailer = mailerFromConfig({ mail: {}, aws: {}, dataDir }, { info: (line) => lines.push(line) });
    const rendered = renderCustomerEmail({
      kind: 'paid',
      locale: 'en',
      customerName: 'Ana',
      reservationId: '0b0c6f3e-6d1a-4a53-9a43-6b7f6f0d2d11',
      activityName: 'Canal de Beagle',
      startsAt: '2027-12-01T12:00:00Z',
      timeZone: 'America/Argentina/Ushuaia',
      seats: 2,
      total: { amount: 9000, currency: 'ARS' },
      expiresAt: '2027-11-01T12:00:00Z',
      refundPending: false,
    });

    const { messageId } = await mailer.send({
      ...rendered,
      to: 'ana@example.com',
      reservationId: '0b0c6f3e-6d1a-4a53-9a43-6b7f6f0d2d11',
      kind: 'paid',
    });

    expect(mailer.channel).toBe('file');
    const files = await readdir(join(dataDir, 'mail'));
    expect(files).toHaveLength(1);
    const file = join(dataDir, 'mail', files[0] ?? '');
    expect(files[0]).toMatch(/^0b0c6f3e-6d1a-4a53-9a43-6b7f6f0d2d11-paid-.+\.eml$/);
    expect((await stat(file)).mode & 0o077).toBe(0);
    const eml = await readFile(file, 'utf8');
    expect(eml).toContain('To: ana@example.com');
    expect(eml).toContain(`Message-ID: <${messageId}>`);
    expect(eml).toContain(`Subject: =?UTF-8?B?${Buffer.from('Your voucher: Canal de Beagle').toString('base64')}?=`);
    const parts = partsOf(eml);
    // 12:00 UTC is 09:00 in Ushuaia (UTC-3, no daylight saving time).
    expect(parts['text/plain']).toContain('09:00 (America/Argentina/Ushuaia)');
    expect(parts['text/html']).toContain('<html lang="en">');
    expect(lines).toEqual([expect.stringContaining(`e-mail paid of reservation 0b0c6f3e-6d1a-4a53-9a43-6b7f6f0d2d11 written to ${file}`)]);
    expect(lines[0]).not.toContain('ana@example.com');
  });

  it("remove one reservation's files when its customer is erased: not another's whose id shares a prefix, and nothing to do before the first e-mail", async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'ledger-mail-'));
    const mailer = mailerFromConfig({ mail: {}, aws: {}, dataDir }, { info: () => undefined });
    const erased = '0b0c6f3e-6d1a-4a53-9a43-6b7f6f0d2d11';
    const kept = '0b0c6f3e-6d1a-4a53-9a43-6b7f6f0d2d12';
    // No e-mail was ever written: the directory does not exist yet.
    await expect(mailer.removeCopiesOf?.([erased])).resolves.toBeUndefined();
    for (const reservationId of [erased, erased, kept])
      await mailer.send({ to: 'ana@example.com', subject: 'S', html: '<p>H</p>', text: 'T', reservationId, kind: 'paid' });

    await mailer.removeCopiesOf?.([erased]);

    const files = await readdir(join(dataDir, 'mail'));
    expect(files).toEqual([expect.stringMatching(new RegExp(`^${kept}-paid-.+\\.eml$`))]);
  });

  it('go through SES once SES_FROM_ADDRESS is set', () => {
    const mailer = mailerFromConfig(
      { mail: { fromAddress: 'bookings@operator.example' }, aws: { region: 'sa-east-1' }, dataDir: '/nonexistent' },
      { info: () => undefined },
    );
    expect(mailer.channel).toBe('ses');
  });
});
