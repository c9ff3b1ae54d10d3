/** The languages customer e-mails are written in (API.md, `customer.locale`). */
export const CUSTOMER_LOCALES = ['pt-BR', 'es', 'en'] as const;

export type CustomerLocale = (typeof CUSTOMER_LOCALES)[number];

/** A reservation held without a locale, or before customers could choose one, is written to in Portuguese. */
export const DEFAULT_CUSTOMER_LOCALE: CustomerLocale = 'pt-BR';

export function isCustomerLocale(value: unknown): value is CustomerLocale {
  return (CUSTOMER_LOCALES as readonly unknown[]).includes(value);
}
