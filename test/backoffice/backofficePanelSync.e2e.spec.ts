import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPOSITORY_ROOT } from '../ops/servedLedger.js';
import { type PushHarness, startPushHarness, TENANT } from '../panel/pushHarness.js';
import { collectPageErrors, expectAccessible, launchChromium, signInWithDevForm } from './browser.js';

/**
 * Issue 17: the backoffice's "Activity panel sync" screen in a real browser with the sync on,
 * against the real server and PostgreSQL wired to the loopback panel through the real HTTP adapter.
 * The failed push and the conflict are the ledger's own: a push the panel could not take for 3 days
 * (the panel down, the ledger's clock moved through its retries) and a push the panel answered
 * `409 no_capacity`. A staff member looks; an admin retries and acknowledges with the mouse.
 */
const SCREENSHOTS = path.join(REPOSITORY_ROOT, 'test-results', 'backoffice');
const TIME_ZONE = 'America/Sao_Paulo';

let h: PushHarness | undefined;
let browser: Browser | undefined;

const started = () => {
  if (h === undefined || browser === undefined) throw new Error('beforeAll did not finish');
  return { h, browser };
};

beforeAll(async () => {
  await mkdir(SCREENSHOTS, { recursive: true });
  h = await startPushHarness({ backofficeDevSignIn: true });
  browser = await launchChromium();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await h?.close();
}, 60_000);

type SyncStatus = {
  queued: number;
  failed: { id: string; reservationId: string }[];
  conflicts: { id: string; kind: string; reservationId?: string; acknowledgedAt?: string }[];
};

async function syncStatus(token: string): Promise<SyncStatus> {
  const res = await started().h.ledger.call('GET', '/v1/backoffice/sync', { token });
  expect(res.status).toBe(200);
  return res.body as SyncStatus;
}

/** A new browser session signed in with the dev form, on the panel sync screen with the sync on. */
async function openPanelSync(as: {
  email: string;
  groups: ('admin' | 'staff' | 'auditor')[];
}): Promise<{ page: Page; errors: string[]; actions: string[] }> {
  const context = await started().browser.newContext({ locale: 'en-US', timezoneId: TIME_ZONE, viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const errors = collectPageErrors(page);
  // The screen's actions as the browser sent them: one request per action, whatever the clicks.
  const actions: string[] = [];
  page.on('request', (request) => {
    if (request.method() === 'POST' && request.url().includes('/v1/backoffice/sync/')) actions.push(new URL(request.url()).pathname);
  });
  await page.goto(`${started().h.ledger.url}/backoffice/`);
  await signInWithDevForm(page, { tenantId: TENANT, ...as });
  await page.getByRole('link', { name: 'Activity panel sync' }).click();
  await expect.poll(() => page.locator('.status-on').textContent()).toBe('On');
  return { page, errors, actions };
}

/** The value the facts list shows for one term ("Queued", "Last pull" …). */
const fact = (page: Page, term: string) => page.locator(`dl.facts dt:text-is("${term}") + dd`).textContent();

describe('the panel sync screen, in a browser, with the activity panel on', () => {
  it('lists a real failed push and conflict; staff only looks; an admin retries the push and acknowledges the conflict', async () => {
    const { h } = started();

    // A conflict: the panel has one seat where the ledger sells ten, and answers the push of two with 409 no_capacity.
    const short = await h.panelSlot(10, 1);
    const conflicted = await h.hold(short.slotId, 2);
    await h.runJobs();
    expect(h.puts(conflicted).map((put) => put.answered)).toEqual([409]);

    // A failed push: the panel is down while the ledger retries for 3 days on its clock, then keeps it as failed.
    const { slotId } = await h.panelSlot(10);
    await h.panel.goDown();
    const unsent = await h.hold(slotId, 1);
    await h.runJobs();
    while (await h.sweepAtNextRetry());
    expect((await h.deliveries(unsent)).map((row) => row.status)).toEqual(['failed']);

    const before = await syncStatus(h.staff);
    expect(before.failed.map((push) => push.reservationId)).toEqual([unsent]);
    const [conflict] = before.conflicts;
    expect(before.conflicts).toHaveLength(1);
    expect(conflict).toMatchObject({ kind: 'no_capacity', reservationId: conflicted });
    expect(conflict?.acknowledgedAt).toBeUndefined();

    // Staff: the same lists, marked read only, without Retry or the acknowledge form (admins act).
    const staff = await openPanelSync({ email: 'lia@acme.example', groups: ['staff'] });
    const staffPage = staff.page;
    expect(await staffPage.getByText('Read only: your role may look but not change.').isVisible()).toBe(true);
    await expect.poll(() => staffPage.locator('table tbody tr').count()).toBe(1);
    expect(await staffPage.locator('table tbody tr').textContent()).toContain(unsent.slice(0, 8));
    expect(await staffPage.getByRole('article', { name: 'Conflict: No capacity' }).isVisible()).toBe(true);
    expect(await staffPage.getByRole('button').allTextContents()).toEqual(['Sign out']);
    expect(await staffPage.getByRole('columnheader', { name: 'Actions' }).count()).toBe(0);
    expect(await staffPage.getByLabel('Note (what was done about it)').count()).toBe(0);
    await expectAccessible(staffPage, 'panel sync as staff');
    expect(staff.errors).toEqual([]);
    await staffPage.context().close();

    // Admin: both listed, with their actions; the screen as the README shows it.
    const admin = await openPanelSync({ email: 'maria@acme.example', groups: ['admin'] });
    const page = admin.page;
    const failedRow = page.locator('table tbody tr');
    await expect.poll(() => failedRow.count()).toBe(1);
    expect(await failedRow.textContent()).toContain('did not answer');
    const card = page.getByRole('article', { name: 'Conflict: No capacity' });
    expect(await card.textContent()).toContain(short.departureId);
    await expectAccessible(page, 'panel sync with a failed push and a conflict');
    await page.screenshot({ path: path.join(SCREENSHOTS, 'backoffice-panel-sync.png'), fullPage: true });

    // Retry with the panel answering again: the push is queued at once, then sent when the job runs.
    await h.panel.comeBack();
    // Double-clicked, as a hurried operator does: one request, not a second one the server refuses with 404.
    await failedRow.getByRole('button', { name: `Retry ${unsent}` }).dblclick();
    await expect.poll(() => page.getByText('No failed pushes.').isVisible()).toBe(true);
    expect(await fact(page, 'Queued')).toBe('1');
    await h.runJobs();
    expect(h.puts(unsent).map((put) => put.answered)).toEqual([201]);
    expect(h.panel.ledgerBookings(TENANT).map((booking) => booking.externalRef)).toContain(unsent);
    expect((await h.deliveries(unsent)).map((row) => row.status)).toEqual(['sent']);
    await page.reload();
    await expect.poll(() => fact(page, 'Queued')).toBe('0');
    expect(await page.getByText('No failed pushes.').isVisible()).toBe(true);

    // Acknowledge: the button waits for a note; once sent, the card says when it was acknowledged.
    const acknowledge = card.getByRole('button', { name: 'Acknowledge' });
    expect(await acknowledge.isDisabled()).toBe(true);
    await card.getByLabel('Note (what was done about it)').fill('moved the two guests to the next departure');
    // Double-clicked too: acknowledged once (a second request would be refused with 404, an error on the card).
    await acknowledge.dblclick();
    await expect.poll(() => card.locator('p.ok').textContent()).toMatch(/^Acknowledged /);
    expect(await card.getByRole('alert').count()).toBe(0);
    expect(await card.getByRole('button').count()).toBe(0);
    const after = await syncStatus(h.admin);
    expect(after.conflicts).toEqual([expect.objectContaining({ id: conflict?.id, acknowledgedAt: expect.any(String) as string })]);
    const { rows } = await h.ledger.db.asOwner<{ note: string }>('SELECT note FROM panel_conflicts WHERE id = $1', [conflict?.id]);
    expect(rows).toEqual([{ note: 'moved the two guests to the next departure' }]);
    await expectAccessible(page, 'panel sync after the retry and the acknowledgement');

    // A refused request shows in the console as "Failed to load resource": none for the double clicks above.
    expect(admin.errors).toEqual([]);
    expect(admin.actions).toEqual([
      `/v1/backoffice/sync/deliveries/${before.failed[0]?.id}/retry`,
      `/v1/backoffice/sync/conflicts/${conflict?.id}/acknowledge`,
    ]);
    await page.context().close();
  }, 180_000);
});
