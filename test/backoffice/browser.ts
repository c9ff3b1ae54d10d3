import { existsSync } from 'node:fs';
import { AxeBuilder } from '@axe-core/playwright';
import { type Browser, chromium, type Page } from 'playwright-core';
import { expect } from 'vitest';

/**
 * What the backoffice's browser tests share: Debian's chromium driven by playwright-core, the
 * page's errors collected, and axe-core's check of what a page shows.
 */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`no browser at ${CHROMIUM}: apt-get install -y chromium (or set CHROMIUM_PATH)`);
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    // As root the sandbox cannot start; nothing but the test's own server is loaded.
    args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'],
  });
}

/**
 * The page's uncaught errors and console errors, as they happen. A CSP refusal shows only as a
 * console error: the app must run under its 'self'-only policy.
 */
export function collectPageErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  return errors;
}

/** No axe violation of impact serious or critical on what the page shows now. */
export async function expectAccessible(page: Page, screen: string): Promise<void> {
  const { violations } = await new AxeBuilder({ page }).analyze();
  const serious = violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.map((n) => n.target.join(' ')) }));
  expect(serious, `axe on ${screen}`).toEqual([]);
}

/** The dev "sign in as" form, filled and sent with the keyboard; resolves once the sections show. */
export async function signInWithDevForm(
  page: Page,
  as: { readonly tenantId: string; readonly email: string; readonly groups: readonly ('admin' | 'staff' | 'auditor')[] },
): Promise<void> {
  await expect.poll(() => page.getByRole('heading', { name: 'DEV MODE: sign in as' }).isVisible()).toBe(true);
  await page.getByLabel('Tenant').fill(as.tenantId);
  await page.getByLabel('E-mail').fill(as.email);
  for (const group of ['admin', 'staff', 'auditor'] as const)
    await page.getByLabel(group, { exact: true }).setChecked(as.groups.includes(group));
  await page.getByLabel('E-mail').press('Enter');
  await expect.poll(() => page.getByRole('navigation', { name: 'Sections' }).isVisible()).toBe(true);
}
