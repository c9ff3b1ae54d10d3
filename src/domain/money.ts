/**
 * Money in integer minor units (cents, centavos) so that a float never touches an amount.
 * Currency is an upper-case ISO 4217 code; amounts of different currencies are never combined here.
 */
export type Money = { readonly amount: number; readonly currency: string };

const CURRENCY_CODE = /^[A-Z]{3}$/;

export function isValidMoney(m: unknown): m is Money {
  if (typeof m !== 'object' || m === null) return false;
  const { amount, currency } = m as { amount?: unknown; currency?: unknown };
  return (
    typeof amount === 'number' &&
    Number.isSafeInteger(amount) &&
    amount >= 0 &&
    typeof currency === 'string' &&
    CURRENCY_CODE.test(currency)
  );
}

/** The caller checks the result with `isValidMoney`: a product past 2^53 is not a safe amount. */
export function multiplyMoney(unit: Money, n: number): Money {
  return { amount: unit.amount * n, currency: unit.currency };
}

export function sameMoney(a: Money, b: Money): boolean {
  return a.amount === b.amount && a.currency === b.currency;
}

/** For messages only: `4500 EUR` means 45.00 EUR, as the amount stays in minor units. */
export function formatMoney(m: Money): string {
  return `${m.amount} ${m.currency}`;
}
