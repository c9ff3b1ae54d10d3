import type { CustomerLocale } from '../domain/customerLocale.js';
import type { Money } from '../domain/money.js';

/**
 * Money as the customer's language writes it (`R$ 90,00`, `90,00 €`, `€90.00`). Amounts are minor
 * units; the currency's own number of decimals (ISO 4217, as Intl knows it) turns them into units.
 */
export function formatMoneyFor(locale: CustomerLocale, money: Money): string {
  const format = new Intl.NumberFormat(locale, { style: 'currency', currency: money.currency });
  const decimals = format.resolvedOptions().maximumFractionDigits ?? 2;
  return format.format(money.amount / 10 ** decimals);
}

/**
 * An instant as the wall clock shows it where the activity takes place, in the customer's language,
 * with the zone named: a departure is read on the spot, whatever zone the customer books from.
 */
export function formatLocalTimeFor(locale: CustomerLocale, instant: string, timeZone: string): string {
  const format = new Intl.DateTimeFormat(locale, { dateStyle: 'full', timeStyle: 'short', hourCycle: 'h23', timeZone });
  return `${format.format(new Date(instant))} (${timeZone})`;
}
