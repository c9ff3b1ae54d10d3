import { randomUUID } from 'node:crypto';
import { chmod, mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureDevIdentity, signDevToken } from '../../src/identity/devIdentity.js';
import { REPOSITORY_ROOT, type ServedLedger, serveLedger } from '../ops/servedLedger.js';
import { type FakeStripe, signStripePayload, startFakeStripe } from '../support/providers/fakeStripe.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhookReceiver.js';
import { collectPageErrors, expectAccessible, launchChromium, signInWithDevForm } from './browser.js';

/**
 * The backoffice web app in a real browser (Debian's chromium, driven by playwright-core) against
 * `npm start` on a fresh data directory, as a new operator would use it: dev sign-in, a departure
 * created, a customer's hold seen, its timeline and e-mails, an anomaly from a signed webhook resolved,
 * the panel sync (off here), an outgoing webhook endpoint created with a delivery redelivered, verify.
 * Every screen is checked by axe-core and saved as a screenshot under test-results/backoffice/.
 */
const SCREENSHOTS = path.join(REPOSITORY_ROOT, 'test-results', 'backoffice');
const TENANT = 'acme-tours';
const TIME_ZONE = 'America/Sao_Paulo';

// Set by beforeAll, which may fail part-way: afterAll stops whatever it started.
let dataDir: string | undefined;
let stripe: FakeStripe | undefined;
let served: ServedLedger | undefined;
let browser: Browser | undefined;
let receiver: WebhookReceiver | undefined;

const started = () => {
  if (served === undefined || dataDir === undefined || stripe === undefined || browser === undefined || receiver === undefined)
    throw new Error('beforeAll did not finish');
  return { served, dataDir, stripe, browser, receiver };
};

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'ledger-backoffice-'));
  // mkdtemp makes the folder private to root; the embedded PostgreSQL runs as the `postgres` user.
  await chmod(dataDir, 0o755);
  await mkdir(SCREENSHOTS, { recursive: true });
  stripe = await startFakeStripe();
  receiver = await startWebhookReceiver();
  served = await serveLedger('npm', ['start'], {
    LEDGER_DATA_DIR: dataDir,
    STRIPE_SECRET_KEY: stripe.secretKey,
    STRIPE_WEBHOOK_SECRET: stripe.webhookSecret,
    STRIPE_API_BASE: stripe.url,
  });
  browser = await launchChromium();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  if (served) {
    process.kill(served.pid, 'SIGTERM');
    const exit = await Promise.race([served.exited, new Promise<null>((resolve) => setTimeout(() => resolve(null), 15_000))]);
    if (exit === null) served.killGroup();
  }
  await stripe?.close();
  await receiver?.stop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
}, 60_000);

async function screen(page: Page, name: string) {
  await expectAccessible(page, name);
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

/** The JSON the server sent, read by the test's expectations as it came. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- every step reads its fields; `unknown` would need a cast per read
type Json = any;

async function api(method: string, route: string, token: string, body?: unknown, headers: Record<string, string> = {}): Promise<Json> {
  const response = await fetch(`${started().served.url}${route}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const json: Json = await response.json();
  expect(response.status, `${method} ${route}: ${JSON.stringify(json)}`).toBeLessThan(300);
  return json;
}

/** Tomorrow's date on the activity's calendar, so the departure is in the future and in this week's view. */
function tomorrowIn(timeZone: string): string {
  const tomorrow = new Date(Date.now() + 86_400_000);
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(tomorrow);
}

describe('the backoffice web app, in a browser, against npm start', () => {
  it('signs in with the dev form, creates a departure, shows a hold and its timeline, resolves an anomaly and verifies', async () => {
    const { served, dataDir, stripe, browser, receiver } = started();
    const context = await browser.newContext({ locale: 'en-US', timezoneId: TIME_ZONE, viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const pageErrors = collectPageErrors(page);

    // Sign-in: the clearly marked dev form, used with the keyboard only.
    await page.goto(`${served.url}/backoffice/`);
    await expect.poll(() => page.getByRole('heading', { name: 'DEV MODE: sign in as' }).isVisible()).toBe(true);
    await screen(page, 'sign-in');
    await signInWithDevForm(page, { tenantId: TENANT, email: 'maria@acme.example', groups: ['admin', 'auditor'] });
    expect(await page.getByText(`(${TENANT}: admin, auditor)`).isVisible()).toBe(true);

    // Departures: an admin creates one in the activity's own time zone.
    await page.getByRole('button', { name: 'Create departure' }).click();
    const form = page.locator('form.slot-form');
    await form.getByLabel('Activity', { exact: true }).fill('kayak');
    await form.getByLabel('Activity name').fill('Kayak at dawn');
    await form.getByLabel('Time zone').fill(TIME_ZONE);
    await form.getByLabel('Departure (local time)').fill(`${tomorrowIn(TIME_ZONE)}T09:30`);
    await form.getByLabel('Capacity').fill('10');
    await form.getByLabel('Unit price').fill('150.00');
    await form.getByLabel('Currency').fill('BRL');
    await form.getByLabel('Slot id').fill('kayak-dawn');
    await form.getByRole('button', { name: 'Save' }).click();
    const row = page.locator('tr[data-slot-id="kayak-dawn"]');
    await expect.poll(() => row.getByRole('img').getAttribute('aria-label')).toBe('Held 0, Sold 0, Available 10');
    const slot = await api(
      'GET',
      '/v1/slots/kayak-dawn',
      signDevToken(await ensureDevIdentity(dataDir), { tenantId: TENANT, groups: ['staff'] }),
    );
    expect(slot.localStartsAt).toMatch(/T09:30:00-03:00$/);
    expect(await row.textContent()).toContain('09:30');

    // A customer holds two seats (and opens a Stripe payment): the bar shows them once the view reloads.
    const customer = signDevToken(await ensureDevIdentity(dataDir), { tenantId: TENANT, email: 'ana@example.com', sub: randomUUID() });
    const hold = await api(
      'POST',
      '/v1/reservations',
      customer,
      { slotId: 'kayak-dawn', seats: 2, customer: { name: 'Ana Souza', email: 'ana@example.com' } },
      { 'idempotency-key': randomUUID() },
    );
    const payment = await api(
      'POST',
      `/v1/reservations/${hold.reservationId}/payments`,
      customer,
      { provider: 'stripe' },
      { 'idempotency-key': randomUUID() },
    );
    await page.reload();
    await expect.poll(() => row.getByRole('img').getAttribute('aria-label')).toBe('Held 2, Sold 0, Available 8');
    await screen(page, 'departures');

    // Reservations: the hold in the list, then its detail with the event stream's timeline.
    await page.getByRole('link', { name: 'Reservations' }).click();
    await page.getByLabel('E-mail').fill('ana@example.com');
    await page.getByRole('button', { name: 'Filter' }).click();
    const link = page.getByRole('link', { name: hold.reservationId.slice(0, 8) });
    await expect.poll(() => link.isVisible()).toBe(true);
    expect(await page.getByRole('row', { name: /Ana Souza/ }).textContent()).toContain('held');
    await screen(page, 'reservations');
    await link.click();
    await expect.poll(() => page.getByRole('status').first().textContent()).toContain('Hash chain intact');
    const timeline = page.locator('ol.timeline > li');
    expect(await timeline.count()).toBeGreaterThan(0);
    expect(await timeline.first().textContent()).toContain('v1');
    await page.getByRole('button', { name: 'As it stood at v1' }).click();
    const asItStood = page.locator('section.as-it-stood');
    await expect.poll(() => asItStood.isVisible()).toBe(true);
    expect(await asItStood.textContent()).toContain('held');
    // The hold's e-mail to the customer, as GET …/emails lists it: one row of kind "hold".
    await expect.poll(() => page.locator('table.emails tbody tr').first().textContent()).toMatch(/^hold/);
    await screen(page, 'reservation-timeline');

    // A success for another amount, signed as Stripe signs it, is an anomaly; the admin dismisses it with a note.
    const wrongAmount = stripe.transition(payment.providerPaymentId as string, 'succeeded', { amount: 1 });
    const delivered = await fetch(`${served.url}/webhooks/stripe`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'stripe-signature': signStripePayload(wrongAmount, new Date()) },
      body: wrongAmount,
    });
    expect(delivered.status).toBe(200);
    await page.getByRole('link', { name: 'Payments and anomalies' }).click();
    const anomaly = page.locator('article.anomaly');
    await expect.poll(() => anomaly.count()).toBe(1);
    // The paged list of payments: the Stripe payment, with its reconcile action for staff.
    const paymentRow = page.getByRole('row', { name: new RegExp(payment.providerPaymentId as string) });
    await expect.poll(() => paymentRow.count()).toBe(1);
    expect(await paymentRow.textContent()).toContain(hold.reservationId.slice(0, 8));
    expect(await paymentRow.getByRole('button', { name: /^Reconcile/ }).count()).toBe(1);
    await screen(page, 'payments-and-anomalies');
    await anomaly.getByLabel('Note (how it was settled)').fill('customer paid the rest at the desk');
    await anomaly.getByRole('button', { name: 'Dismiss' }).click();
    await expect.poll(() => page.getByText('No open anomalies.').isVisible()).toBe(true);
    const open = await api(
      'GET',
      '/v1/backoffice/anomalies?state=open',
      signDevToken(await ensureDevIdentity(dataDir), { tenantId: TENANT, groups: ['staff'] }),
    );
    expect(open.anomalies).toEqual([]);

    // Panel sync: no PANEL_* variables here, so the screen says it is off, with nothing failed or in conflict.
    await page.getByRole('link', { name: 'Activity panel sync' }).click();
    await expect.poll(() => page.locator('.status-off').textContent()).toBe('Off');
    expect(await page.getByText('No failed pushes.').isVisible()).toBe(true);
    expect(await page.getByText('No conflicts.').isVisible()).toBe(true);
    await screen(page, 'panel-sync');

    // Outgoing webhooks: the admin registers the loopback receiver; its secret is shown once and is the
    // one the receiver verifies signatures with (it answers 400 to anything else).
    await page.getByRole('link', { name: 'Outgoing webhooks' }).click();
    await expect.poll(() => page.getByText('No endpoints yet.').isVisible()).toBe(true);
    await page.getByLabel('URL').fill(receiver.url);
    await page.getByLabel('reservation.held').check();
    await page.getByRole('button', { name: 'Create endpoint' }).click();
    const secret = page.locator('.secret code');
    await expect.poll(() => secret.textContent()).toMatch(/^whsec_/);
    receiver.useSecret((await secret.textContent()) ?? '');
    const endpoint = page.getByRole('article', { name: `Endpoint ${receiver.url}` });
    await expect.poll(() => endpoint.isVisible()).toBe(true);
    await screen(page, 'webhook-endpoint-created');

    const second = await api(
      'POST',
      '/v1/reservations',
      customer,
      { slotId: 'kayak-dawn', seats: 1, customer: { name: 'Ana Souza', email: 'ana@example.com' } },
      { 'idempotency-key': randomUUID() },
    );
    await expect.poll(() => receiver.received.map((r) => r.data['reservationId']), { timeout: 30_000 }).toEqual([second.reservationId]);
    await endpoint.getByRole('button', { name: 'Deliveries' }).click();
    const delivery = endpoint.locator('table.deliveries tbody tr');
    await expect.poll(() => delivery.count()).toBe(1);
    await expect.poll(() => delivery.textContent()).toContain('delivered');
    await screen(page, 'webhook-deliveries');
    await delivery.getByRole('button', { name: 'Redeliver reservation.held' }).click();
    // Sent again: the same message (same webhook-id), as the receiver verified it.
    await expect.poll(() => receiver.received.length, { timeout: 30_000 }).toBe(2);
    expect(receiver.received[1]?.id).toBe(receiver.received[0]?.id);
    expect(receiver.rejected).toEqual([]);

    // Audit: verify runs for the tenant.
    await page.getByRole('link', { name: 'Audit' }).click();
    await page.getByRole('button', { name: 'Verify the ledger' }).click();
    await expect
      .poll(() => page.locator('.verify-result').textContent())
      .toContain('Verified: every hash chain and projection is consistent.');
    await screen(page, 'audit');

    // The same screen in Portuguese.
    await page.getByLabel('Language').selectOption('pt-BR');
    await expect.poll(() => page.getByRole('heading', { name: 'Auditoria', level: 2 }).isVisible()).toBe(true);
    // The page's language follows the heading's by an effect: polled, not read once.
    await expect.poll(() => page.locator('html').getAttribute('lang')).toBe('pt-BR');
    await expectAccessible(page, 'audit in pt-BR');

    expect(pageErrors).toEqual([]);
    await context.close();
  }, 180_000);
});
