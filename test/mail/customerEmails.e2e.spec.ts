import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCommand } from '../../src/app/command/runCommand.js';
import { expireHoldCommand } from '../../src/app/expireHolds.js';
import { DEFAULT_TEST_TENANT } from '../../src/identity/testing/tokens.js';
import { CustomerEmailBusyError, EMAIL_LEASE_SECONDS } from '../../src/app/customerEmails/sendCustomerEmail.js';
import { createSesMailer } from '../../src/mail/sesMailer.js';
import { type PaymentsHarness, startPaymentsHarness } from '../payments/harness.js';
import { queuedJobs } from '../support/jobs.js';
import { type FakeSes, SES_TEST_CREDENTIALS, SES_TEST_REGION, startFakeSes } from '../support/providers/fakeSes.js';

// The real server over a real database; e-mails go through the real SESv2Client to a loopback SES.
// No job worker runs: the test runs the due jobs itself, as a worker that starts later would, so
// every e-mail is sent after the change that called for it committed, and at a known moment.
let h: PaymentsHarness;
let ses: FakeSes;
const FROM = 'bookings@operator.example';

beforeAll(async () => {
  ses = await startFakeSes();
  const mailer = createSesMailer({
    fromAddress: FROM,
    region: SES_TEST_REGION,
    endpoint: ses.url,
    credentials: SES_TEST_CREDENTIALS,
    maxAttempts: 3,
    // Long enough that a stalled call is never retried by the SDK within a test (see the lease test).
    requestTimeoutMs: 60_000,
  });
  h = await startPaymentsHarness({ jobWorker: false, mailer });
});
afterAll(async () => {
  await h.close();
  await ses.close();
});

async function defineActivity(name: string, timeZone: string): Promise<string> {
  const activityId = `act-${randomUUID().slice(0, 8)}`;
  const res = await h.ledger.call('PUT', `/v1/activities/${activityId}`, { token: h.admin, body: { name, timeZone } });
  expect(res.status).toBe(201);
  return activityId;
}

async function defineSlot(activityId: string, startsAt: string, currency = 'EUR'): Promise<string> {
  const slotId = `slot-${randomUUID().slice(0, 8)}`;
  const res = await h.ledger.call('PUT', `/v1/slots/${slotId}`, {
    token: h.admin,
    body: { activityId, startsAt, capacity: 10, unitPrice: { amount: 4500, currency } },
  });
  expect(res.status).toBe(201);
  return slotId;
}

async function hold(slotId: string, locale?: string): Promise<string> {
  const res = await h.ledger.call('POST', '/v1/reservations', {
    token: h.customer,
    headers: { 'idempotency-key': randomUUID() },
    body: { slotId, seats: 2, customer: { name: 'Ana <Souza>', email: 'ana@example.com', ...(locale ? { locale } : {}) } },
  });
  expect(res.status).toBe(201);
  return res.body.reservationId as string;
}

async function payWithStripe(reservationId: string): Promise<void> {
  const started = await h.startPayment(reservationId, 'stripe');
  expect(started.status).toBe(201);
  expect((await h.deliverStripe(h.stripe.transition(started.body.providerPaymentId as string, 'succeeded'))).status).toBe(200);
}

/** The e-mails SES accepted about one reservation (its id is in every e-mail). */
const acceptedFor = (reservationId: string) => ses.accepted().filter((email) => email.text.includes(reservationId));

async function emailsListed(reservationId: string) {
  const res = await h.ledger.call('GET', `/v1/backoffice/reservations/${reservationId}/emails`, { token: h.staff });
  expect(res.status).toBe(200);
  return res.body.items as {
    kind: string;
    state: string;
    attempts: number;
    messageId: string | null;
    locale: string;
    lastError: string | null;
  }[];
}

describe('customer e-mails through SES', () => {
  it('sends the hold e-mail with the Pix code on the first payment, once, and the voucher in pt-BR (no locale given) in São Paulo time', async () => {
    const slotId = await defineSlot(await defineActivity('Passeio de escuna', 'America/Sao_Paulo'), '2027-12-01T12:00:00Z', 'BRL');
    const reservationId = await hold(slotId);

    // A hold alone calls for no e-mail: how to pay exists once a payment has started.
    await h.runJobs();
    expect(acceptedFor(reservationId)).toEqual([]);

    const pix = await h.startPayment(reservationId, 'pix');
    expect(pix.status).toBe(201);
    await h.runJobs();
    const [holdEmail] = acceptedFor(reservationId);
    expect(acceptedFor(reservationId)).toHaveLength(1);
    expect(holdEmail).toMatchObject({ from: FROM, to: ['ana@example.com'], subject: 'Sua reserva de Passeio de escuna: como pagar' });
    expect(holdEmail?.text).toContain(pix.body.pixQrCode as string);
    expect(holdEmail?.html).toContain(pix.body.pixQrCode as string);
    // The customer's name is text in the HTML, never markup.
    expect(holdEmail?.html).toContain('Ana &lt;Souza&gt;');
    expect(holdEmail?.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDLEDGERSESTEST\/\d{8}\/sa-east-1\/ses\/aws4_request/);

    // A second payment names the same hold e-mail: it was sent, so it is not sent again.
    await payWithStripe(reservationId);
    await h.runJobs();
    const emails = acceptedFor(reservationId);
    expect(emails.map((email) => email.subject)).toEqual([
      'Sua reserva de Passeio de escuna: como pagar',
      'Seu voucher: Passeio de escuna',
    ]);
    const voucher = emails[1]?.text ?? '';
    expect(voucher).toContain('1 de dezembro de 2027');
    expect(voucher).toContain('09:00 (America/Sao_Paulo)');
    expect(voucher).toMatch(/R\$\s90,00/);
    expect(voucher).toContain(reservationId);

    const listed = await emailsListed(reservationId);
    expect(listed.map(({ kind, state, attempts, locale }) => ({ kind, state, attempts, locale }))).toEqual([
      { kind: 'hold', state: 'sent', attempts: 1, locale: 'pt-BR' },
      { kind: 'paid', state: 'sent', attempts: 1, locale: 'pt-BR' },
    ]);
    expect(listed.map((row) => row.messageId)).toEqual(emails.map((email) => email.messageId));
  });

  it('writes the voucher in Spanish and English with the departure on Madrid wall-clock time', async () => {
    // 07:00 UTC on 1 July is 09:00 in Madrid (CEST, UTC+2).
    const slotId = await defineSlot(await defineActivity('Kayak al amanecer', 'Europe/Madrid'), '2027-07-01T07:00:00Z');
    const inSpanish = await hold(slotId, 'es');
    const inEnglish = await hold(slotId, 'en');
    await payWithStripe(inSpanish);
    await payWithStripe(inEnglish);
    await h.runJobs();

    const [spanish] = acceptedFor(inSpanish).filter((email) => email.subject.startsWith('Tu bono'));
    expect(spanish?.subject).toBe('Tu bono: Kayak al amanecer');
    expect(spanish?.text).toContain('1 de julio de 2027');
    expect(spanish?.text).toContain('9:00 (Europe/Madrid)');
    expect(spanish?.text).toMatch(/90,00\s€/);
    const [english] = acceptedFor(inEnglish).filter((email) => email.subject.startsWith('Your voucher'));
    expect(english?.text).toContain('July 1, 2027');
    expect(english?.text).toContain('09:00 (Europe/Madrid)');
    expect(english?.text).toContain('€90.00');
    // Paid before the hold e-mail went: how to pay no longer applies, so it is skipped, not sent.
    expect(acceptedFor(inEnglish).map((email) => email.subject)).toEqual(['Your voucher: Kayak al amanecer']);
    expect((await emailsListed(inEnglish)).map(({ kind, state }) => ({ kind, state }))).toEqual([
      { kind: 'hold', state: 'skipped' },
      { kind: 'paid', state: 'sent' },
    ]);
  });

  it('retries throttling with backoff and sends once: within the call, then across job attempts', async () => {
    const slotId = await defineSlot(await defineActivity('Glacier walk', 'America/Argentina/Ushuaia'), '2027-12-01T12:00:00Z');
    const first = await hold(slotId, 'en');
    const second = await hold(slotId, 'en');

    // Two 429s: the SDK's own retries get through on its third try.
    const before = ses.requests.length;
    ses.throttleNext(2);
    expect((await h.ledger.call('POST', `/v1/reservations/${first}/cancel`, { token: h.customer })).status).toBe(200);
    await h.runJobs();
    expect(ses.requests.length - before).toBe(3);
    expect(acceptedFor(first).map((email) => email.subject)).toEqual(['Booking cancelled: Glacier walk']);

    // Throttled past the SDK's tries: the job fails with SES's error and is retried later, once in effect.
    ses.throttleNext(3);
    expect((await h.ledger.call('POST', `/v1/reservations/${second}/cancel`, { token: h.customer })).status).toBe(200);
    await h.runJobs();
    expect(acceptedFor(second)).toEqual([]);
    const [failed] = (await queuedJobs(h.ledger.db, 'sendCustomerEmail')).filter((job) => job.payload.reservationId === second);
    expect(failed).toMatchObject({ attempts: 1, lastError: 'Maximum sending rate exceeded.' });
    expect((await emailsListed(second))[0]).toMatchObject({
      kind: 'cancelled',
      state: 'failed',
      attempts: 1,
      lastError: 'TooManyRequestsException: Maximum sending rate exceeded.',
    });

    await h.ledger.db.asOwner(`UPDATE graphile_worker._private_jobs SET run_at = now() WHERE payload->>'reservationId' = $1`, [second]);
    await h.runJobs();
    await h.runJobs();
    expect(acceptedFor(second).map((email) => email.subject)).toEqual(['Booking cancelled: Glacier walk']);
    expect((await emailsListed(second))[0]).toMatchObject({ kind: 'cancelled', state: 'sent', attempts: 2 });
  });

  it('sends once when the job runs again after it was sent (a worker that died before the queue heard it finished)', async () => {
    const slotId = await defineSlot(await defineActivity('Lagoon tour', 'UTC'), '2027-12-01T12:00:00Z');
    const reservationId = await hold(slotId, 'en');
    expect((await h.ledger.call('POST', `/v1/reservations/${reservationId}/cancel`, { token: h.customer })).status).toBe(200);
    const send = h.payments.jobs.sendCustomerEmail;
    if (!send) throw new Error('the composed ledger sends no e-mails');
    const payload = { tenantId: 'acme', reservationId, kind: 'cancelled' as const };
    const [job] = (await queuedJobs(h.ledger.db, 'sendCustomerEmail')).filter((queued) => queued.payload.reservationId === reservationId);
    expect(job?.payload).toMatchObject({ reservationId, kind: 'cancelled' });
    const tenantId = String(job?.payload.tenantId);

    await h.runJobs();
    // The same job again, twice at once and once more: what a queue that lost the job's completion runs.
    await Promise.all([send({ ...payload, tenantId }), send({ ...payload, tenantId })].map((run) => run.catch((error: unknown) => error)));
    await send({ ...payload, tenantId });
    await h.ledger.db.asOwner(`SELECT ledger_enqueue_jobs($1::jsonb)`, [
      JSON.stringify([{ task: 'sendCustomerEmail', payload: { ...payload, tenantId }, job_key: `again:${reservationId}` }]),
    ]);
    await h.runJobs();
    expect(acceptedFor(reservationId)).toHaveLength(1);
    expect((await emailsListed(reservationId))[0]).toMatchObject({ kind: 'cancelled', state: 'sent', attempts: 1 });
  });

  it('leaves a hung attempt alone within its lease, takes it over after, and its late failure does not undo the sent record', async () => {
    const slotId = await defineSlot(await defineActivity('Whale watching', 'UTC'), '2027-12-01T12:00:00Z');
    const reservationId = await hold(slotId, 'en');
    expect((await h.ledger.call('POST', `/v1/reservations/${reservationId}/cancel`, { token: h.customer })).status).toBe(200);
    const send = h.payments.jobs.sendCustomerEmail;
    if (!send) throw new Error('the composed ledger sends no e-mails');
    const [job] = (await queuedJobs(h.ledger.db, 'sendCustomerEmail')).filter((queued) => queued.payload.reservationId === reservationId);
    const payload = { tenantId: String(job?.payload.tenantId), reservationId, kind: 'cancelled' as const };

    // The first attempt's call reaches SES and hangs there (a stalled worker or network).
    const stalled = ses.stallNext();
    const hung = send(payload).catch((error: unknown) => error);
    await stalled.arrived;

    // Within its lease, another run does not send beside it.
    await expect(send(payload)).rejects.toBeInstanceOf(CustomerEmailBusyError);
    expect(acceptedFor(reservationId)).toEqual([]);

    // Its lease over, the next run takes the e-mail over and sends it.
    h.ledger.clock.advance(EMAIL_LEASE_SECONDS + 1);
    await send(payload);
    expect(acceptedFor(reservationId)).toHaveLength(1);

    // The hung call finally fails: the record stays sent.
    stalled.refuse();
    expect(await hung).toMatchObject({ name: 'BadRequestException' });
    expect((await emailsListed(reservationId))[0]).toMatchObject({ kind: 'cancelled', state: 'sent', attempts: 2 });
    await h.runJobs();
    expect(acceptedFor(reservationId)).toHaveLength(1);
  });

  it('tells of a paid reservation cancelled, then of its refund, and of a hold that expired', async () => {
    const slotId = await defineSlot(await defineActivity('Trekking', 'America/Sao_Paulo'), '2027-12-01T12:00:00Z', 'BRL');
    const paid = await hold(slotId, 'pt-BR');
    const started = await h.startPayment(paid, 'stripe');
    const pi = started.body.providerPaymentId as string;
    expect((await h.deliverStripe(h.stripe.transition(pi, 'succeeded'))).status).toBe(200);
    expect((await h.ledger.call('POST', `/v1/reservations/${paid}/cancel`, { token: h.customer })).status).toBe(200);
    await h.runJobs();
    expect((await h.deliverStripe(h.stripe.refundedEvent(pi))).body.outcome).toBe('applied');
    await h.runJobs();
    const [cancelled, refunded] = acceptedFor(paid).filter((email) => !email.subject.startsWith('Seu voucher'));
    expect(cancelled?.subject).toBe('Reserva cancelada: Trekking');
    expect(cancelled?.text).toContain('O valor pago será devolvido');
    expect(refunded?.subject).toBe('Reembolso concluído: Trekking');
    expect(refunded?.text).toMatch(/Devolvemos R\$\s90,00/);

    const lapsed = await hold(slotId, 'es');
    const { expiresAt } = (await h.reservation(lapsed)) as { expiresAt: string };
    h.ledger.clock.set(new Date(Date.parse(expiresAt) + 1000));
    expect((await runCommand(h.ledger.deps, expireHoldCommand(DEFAULT_TEST_TENANT, lapsed))).ok).toBe(true);
    await h.runJobs();
    expect(acceptedFor(lapsed).map((email) => email.subject)).toEqual(['Reserva caducada: Trekking']);
    expect(acceptedFor(lapsed)[0]?.text).toContain('El plazo para pagar terminó');
  });

  it('records why SES refused an e-mail without the address SES named in its error', async () => {
    const slotId = await defineSlot(await defineActivity('Sandboarding', 'UTC'), '2027-12-01T12:00:00Z');
    const reservationId = await hold(slotId, 'en');
    ses.rejectNext('Email address is not verified. The following identities failed the check in region SA-EAST-1: ana@example.com');
    expect((await h.ledger.call('POST', `/v1/reservations/${reservationId}/cancel`, { token: h.customer })).status).toBe(200);
    await h.runJobs();
    const [record] = await emailsListed(reservationId);
    expect(record).toMatchObject({
      kind: 'cancelled',
      state: 'failed',
      lastError: 'MessageRejected: Email address is not verified. The following identities failed the check in region SA-EAST-1: [address]',
    });
    expect(acceptedFor(reservationId)).toEqual([]);
  });

  it('takes customer.locale among pt-BR, es and en only', async () => {
    const slotId = await defineSlot(await defineActivity('Rafting', 'UTC'), '2027-12-01T12:00:00Z');
    const res = await h.ledger.call('POST', '/v1/reservations', {
      token: h.customer,
      headers: { 'idempotency-key': randomUUID() },
      body: { slotId, seats: 1, customer: { name: 'Ana', email: 'ana@example.com', locale: 'fr' } },
    });
    expect(res.status).toBe(400);
  });

  it('lists e-mails for staff only, and 404 for a reservation the tenant does not have', async () => {
    const unknown = await h.ledger.call('GET', `/v1/backoffice/reservations/${randomUUID()}/emails`, { token: h.staff });
    expect(unknown.status).toBe(404);
    const slotId = await defineSlot(await defineActivity('Canopy', 'UTC'), '2027-12-01T12:00:00Z');
    const reservationId = await hold(slotId);
    const asCustomer = await h.ledger.call('GET', `/v1/backoffice/reservations/${reservationId}/emails`, { token: h.customer });
    expect(asCustomer.status).toBe(403);
    expect(await emailsListed(reservationId)).toEqual([]);
  });
});
