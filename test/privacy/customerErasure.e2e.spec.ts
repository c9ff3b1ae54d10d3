import { randomUUID } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { erasePersonalDataPastRetention, RETENTION_ACTOR } from '../../src/app/erasePastRetention.js';
import { idempotencyFingerprints } from '../../src/app/personalDataScrubbers.js';
import { followUpPayloads } from '../../src/jobs/followUpJobs.js';
import { createEmlFileMailer } from '../../src/mail/emlFileMailer.js';
import { queuedJobs } from '../support/jobs.js';
import { findPlaintext } from '../support/plaintextScan.js';
import { startTestLedger, type TestLedger } from '../support/ledgerServer.js';

// POST /v1/backoffice/customers/erase through the real server over a real database (API.md, Personal data).

let ledger: TestLedger;
let admin: string;
let staff: string;
let auditor: string;
let customer: string;
let adminB: string;
let slotId: string;
/** Where the development mailer writes its `.eml` files (no SES_FROM_ADDRESS). */
let mailDir: string;

const ana = { name: 'Ana Souza Erasable', email: 'ana.erasable@example.com' };
const bruno = { name: 'Bruno Keeps Data', email: 'bruno.keeps@example.com' };

async function defineSlot(token: string, startsAt = '2030-07-01T09:00:00Z'): Promise<string> {
  const id = `kayak-${randomUUID().slice(0, 8)}`;
  const res = await ledger.call('PUT', `/v1/slots/${id}`, {
    token,
    body: { activityId: 'sunrise-kayak', startsAt, capacity: 50, unitPrice: { amount: 4500, currency: 'EUR' } },
  });
  expect(res.status).toBe(201);
  return id;
}

async function hold(
  slot: string,
  who: { name: string; email: string },
  token = customer,
  key = randomUUID(),
): Promise<{ reservationId: string; key: string }> {
  const res = await ledger.call('POST', '/v1/reservations', {
    token,
    headers: { 'idempotency-key': key },
    body: { slotId: slot, seats: 2, customer: who },
  });
  expect(res.status).toBe(201);
  return { reservationId: res.body.reservationId as string, key };
}

const customersOf = async (token = staff) => {
  const res = await ledger.call('GET', '/v1/backoffice/reservations?limit=100', { token });
  expect(res.status).toBe(200);
  return new Map((res.body.items as { reservationId: string; customer: unknown }[]).map((item) => [item.reservationId, item.customer]));
};

beforeAll(async () => {
  mailDir = await mkdtemp(join(tmpdir(), 'ledger-erasure-mail-'));
  ledger = await startTestLedger({ mailer: createEmlFileMailer(mailDir, { info: () => undefined }) });
  admin = ledger.token({ groups: ['admin'], sub: 'admin-a' });
  staff = ledger.token({ groups: ['staff'], sub: 'staff-a' });
  auditor = ledger.token({ groups: ['auditor'], sub: 'auditor-a' });
  customer = ledger.token({ sub: 'customer-a' });
  adminB = ledger.token({ groups: ['admin'], sub: 'admin-b', tenantId: 'tenant-b' });
  slotId = await defineSlot(admin);
});

afterAll(async () => {
  await ledger.close();
  await rm(mailDir, { recursive: true, force: true });
});

/** The login rows of these users as the database holds them (read as the owner: the app sees one tenant). */
async function loginEmails(subs: readonly string[]): Promise<Record<string, string | null>> {
  const { rows } = await ledger.db.asOwner<{ sub: string; email: string | null }>('SELECT sub, email FROM users WHERE sub = ANY($1)', [
    subs,
  ]);
  return Object.fromEntries(rows.map((row) => [row.sub, row.email]));
}

/** Sends the queued e-mails about these reservations now, as the job worker would (none runs in this file). */
async function sendQueuedEmails(reservationIds: readonly string[]): Promise<void> {
  const send = ledger.composed.jobs.sendCustomerEmail;
  if (!send) throw new Error('the composed ledger sends no e-mails');
  for (const job of await queuedJobs(ledger.db, 'sendCustomerEmail'))
    if (reservationIds.includes(String(job.payload.reservationId))) await send(followUpPayloads.sendCustomerEmail.parse(job.payload));
}

const emlFilesOf = async (reservationId: string) => (await readdir(mailDir)).filter((file) => file.startsWith(`${reservationId}-`));

describe('customer erasure', () => {
  it('erases one customer of one tenant: [erased] in reads and audit streams, the others intact, verify ok, nothing left in clear', async () => {
    const first = await hold(slotId, ana);
    // The same customer whatever the case of the address: one data key.
    const second = await hold(slotId, { ...ana, email: ana.email.toUpperCase() });
    const kept = await hold(slotId, bruno);
    const slotB = await defineSlot(adminB);
    const inOtherTenant = await hold(slotB, ana, ledger.token({ sub: 'customer-b', tenantId: 'tenant-b' }));
    // Stored sealed from the start: the log and the read model never held the plaintext (the scan does find what is there in clear).
    expect(await findPlaintext(ledger.db, ['sunrise-kayak'])).toContain('public.events.data: sunrise-kayak');
    expect(await findPlaintext(ledger.db, [ana.name, ana.email, bruno.name, bruno.email])).toEqual([]);
    const filtered = await ledger.call('GET', `/v1/backoffice/reservations?email=${encodeURIComponent('ANA.erasable@example.com')}`, {
      token: staff,
    });
    expect((filtered.body.items as { reservationId: string }[]).map((i) => i.reservationId).sort()).toEqual(
      [first.reservationId, second.reservationId].sort(),
    );
    expect((await customersOf()).get(first.reservationId)).toEqual(ana);

    expect((await ledger.call('POST', '/v1/backoffice/customers/erase', { token: staff, body: { email: ana.email } })).status).toBe(403);
    const erased = await ledger.call('POST', '/v1/backoffice/customers/erase', { token: admin, body: { email: ana.email } });
    expect(erased).toMatchObject({ status: 200, body: { erased: 2 } });

    const customers = await customersOf();
    expect(customers.get(first.reservationId)).toEqual({ name: '[erased]', email: '[erased]' });
    expect(customers.get(second.reservationId)).toEqual({ name: '[erased]', email: '[erased]' });
    expect(customers.get(kept.reservationId)).toEqual(bruno);
    // The other tenant's customer of the same address is another customer.
    expect(
      (await customersOf(ledger.token({ groups: ['staff'], sub: 'staff-b', tenantId: 'tenant-b' }))).get(inOtherTenant.reservationId),
    ).toEqual(ana);
    const filteredAfter = await ledger.call('GET', `/v1/backoffice/reservations?email=${encodeURIComponent(ana.email)}`, { token: staff });
    expect(filteredAfter.body.items).toEqual([]);

    const stream = await ledger.call('GET', `/v1/audit/streams/reservation-${first.reservationId}`, { token: auditor });
    expect(stream.status).toBe(200);
    const events = stream.body.events as { type: string; data: Record<string, unknown> }[];
    expect(events.map((e) => e.type)).toEqual(['ReservationHeld', 'CustomerDataErased']);
    expect(events[0]?.data.customer).toEqual({ name: '[erased]', email: '[erased]' });
    expect(Object.keys(events[1]?.data ?? {})).toEqual(['erasedAt']);
    const asOf = await ledger.call('GET', `/v1/audit/reservations/${first.reservationId}?at=2100-01-01T00:00:00Z`, { token: auditor });
    expect(asOf.body.state.customer).toEqual({ name: '[erased]', email: '[erased]' });
    const keptStream = await ledger.call('GET', `/v1/audit/streams/reservation-${kept.reservationId}`, { token: auditor });
    expect(keptStream.body.events[0].data.customer).toEqual(bruno);

    // The hold itself is unaffected: seats and money are not personal data.
    const reservation = await ledger.call('GET', `/v1/reservations/${first.reservationId}`, { token: customer });
    expect(reservation.body).toMatchObject({ status: 'held', seats: 2 });
    const verify = await ledger.call('POST', '/v1/audit/verify', { token: auditor });
    expect(verify.body).toMatchObject({ ok: true, brokenChains: [], projectionMismatches: [] });

    // Retrying the erased customer's hold request does not replay it, nor book again.
    const retry = await ledger.call('POST', '/v1/reservations', {
      token: customer,
      headers: { 'idempotency-key': first.key },
      body: { slotId, seats: 2, customer: ana },
    });
    expect(retry.status).toBe(422);

    expect(await ledger.call('POST', '/v1/backoffice/customers/erase', { token: admin, body: { email: ana.email } })).toMatchObject({
      status: 200,
      body: { erased: 0 },
    });
  });
});

describe('copies outside the sealed log', () => {
  it("scrubs the erased customer's login e-mail (users.email), and no one else's: other customers, the same address in another tenant, the desk that booked a walk-in", async () => {
    const eva = { name: 'Eva Logs In', email: 'eva.login@example.com' };
    const fabio = { name: 'Fabio Stays Known', email: 'fabio.known@example.com' };
    const gil = { name: 'Gil Walks In', email: 'gil.walkin@example.com' };
    // Each customer signs in with their own Cognito user: the ID token's e-mail fills their users row.
    const evaToken = ledger.token({ sub: 'customer-eva', email: eva.email });
    const fabioToken = ledger.token({ sub: 'customer-fabio', email: fabio.email });
    const deskToken = ledger.token({ groups: ['admin'], sub: 'admin-desk', email: 'desk@operator.example' });
    const evaInB = ledger.token({ sub: 'customer-eva-b', tenantId: 'tenant-b', email: eva.email });
    await hold(slotId, eva, evaToken);
    await hold(slotId, fabio, fabioToken);
    // An admin at the desk books for a walk-in: the reservation's owner is the admin, not Gil.
    await hold(slotId, gil, deskToken);
    await hold(await defineSlot(adminB), eva, evaInB);
    const subs = ['customer-eva', 'customer-fabio', 'admin-desk', 'customer-eva-b'];
    expect(await loginEmails(subs)).toEqual({
      'customer-eva': eva.email,
      'customer-fabio': fabio.email,
      'admin-desk': 'desk@operator.example',
      'customer-eva-b': eva.email,
    });

    expect(await ledger.call('POST', '/v1/backoffice/customers/erase', { token: admin, body: { email: eva.email } })).toMatchObject({
      status: 200,
      body: { erased: 1 },
    });
    expect(await ledger.call('POST', '/v1/backoffice/customers/erase', { token: admin, body: { email: gil.email } })).toMatchObject({
      status: 200,
      body: { erased: 1 },
    });

    expect(await loginEmails(subs)).toEqual({
      'customer-eva': null,
      'customer-fabio': fabio.email,
      'admin-desk': 'desk@operator.example',
      'customer-eva-b': eva.email,
    });
    expect(await findPlaintext(ledger.db, [eva.name, gil.name, gil.email])).toEqual([]);
  });

  it("removes the erased customer's development .eml files (the file mailer), and only theirs", async () => {
    const helena = { name: 'Helena Mailed', email: 'helena.mailed@example.com' };
    const ivo = { name: 'Ivo Mailed Too', email: 'ivo.mailed@example.com' };
    const erasedHold = await hold(slotId, helena);
    const keptHold = await hold(slotId, ivo);
    // A cancellation calls for an e-mail at once (a hold's waits for its payment).
    for (const { reservationId } of [erasedHold, keptHold])
      expect((await ledger.call('POST', `/v1/reservations/${reservationId}/cancel`, { token: customer })).status).toBe(200);
    await sendQueuedEmails([erasedHold.reservationId, keptHold.reservationId]);
    expect(await emlFilesOf(erasedHold.reservationId)).toHaveLength(1);
    expect(await emlFilesOf(keptHold.reservationId)).toHaveLength(1);

    const erased = await ledger.call('POST', '/v1/backoffice/customers/erase', { token: admin, body: { email: helena.email } });
    expect(erased).toMatchObject({ status: 200, body: { erased: 1 } });

    expect(await emlFilesOf(erasedHold.reservationId)).toEqual([]);
    expect(await emlFilesOf(keptHold.reservationId)).toHaveLength(1);
  });
});

describe('PII_RETENTION_DAYS', () => {
  it('erases the customers whose departures are all older than the retention period, and only them', async () => {
    const oldSlot = await defineSlot(admin, '2031-01-01T09:00:00Z');
    const laterSlot = await defineSlot(admin, '2032-01-01T09:00:00Z');
    const carla = { name: 'Carla Only Old', email: 'carla.old@example.com' };
    const dora = { name: 'Dora Old And New', email: 'dora.both@example.com' };
    const carlaHold = await hold(oldSlot, carla);
    const doraOld = await hold(oldSlot, dora);
    const doraLater = await hold(laterSlot, dora);

    ledger.clock.set(new Date('2031-02-15T00:00:00Z'));
    const sweep = await erasePersonalDataPastRetention(ledger.deps, 30, [idempotencyFingerprints]);
    expect(sweep.customers).toBeGreaterThanOrEqual(1);
    const customers = await customersOf();
    expect(customers.get(carlaHold.reservationId)).toEqual({ name: '[erased]', email: '[erased]' });
    // Dora departs again later: her data stays until that departure is old too.
    expect(customers.get(doraOld.reservationId)).toEqual(dora);
    expect(customers.get(doraLater.reservationId)).toEqual(dora);
    const stream = await ledger.call('GET', `/v1/audit/streams/reservation-${carlaHold.reservationId}`, { token: auditor });
    expect(stream.body.events.at(-1)).toMatchObject({ type: 'CustomerDataErased', metadata: { actor: RETENTION_ACTOR } });
    expect(await findPlaintext(ledger.db, [carla.name, carla.email])).toEqual([]);
    // A second sweep finds nothing more of them.
    const again = await erasePersonalDataPastRetention(ledger.deps, 30, [idempotencyFingerprints]);
    expect(again).toEqual({ customers: 0, reservations: 0 });

    ledger.clock.set(new Date('2032-02-15T00:00:00Z'));
    await erasePersonalDataPastRetention(ledger.deps, 30, [idempotencyFingerprints]);
    expect((await customersOf()).get(doraLater.reservationId)).toEqual({ name: '[erased]', email: '[erased]' });
    const verify = await ledger.call('POST', '/v1/audit/verify', { token: auditor });
    expect(verify.body).toMatchObject({ ok: true, brokenChains: [], projectionMismatches: [] });
  });
});
