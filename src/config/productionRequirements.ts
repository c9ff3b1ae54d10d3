import type { EnvKey, EnvValues } from './variables.js';

/**
 * What production may not run without. Each has a development fallback (dev identity, embedded
 * PostgreSQL, payment adapters that refuse to charge) that would be wrong, or unsafe, in production.
 */
export const requiredInProduction = [
  'COGNITO_USER_POOL_ID',
  'COGNITO_CLIENT_ID',
  'DATABASE_URL',
  'SYSTEM_DATABASE_URL',
  'STRIPE_SECRET_KEY',
  'STRIPE_WEBHOOK_SECRET',
  'MERCADOPAGO_ACCESS_TOKEN',
  'MERCADOPAGO_WEBHOOK_SECRET',
  'LEDGER_CHECKPOINT_SIGNING_KEY',
  // Without it, customer e-mails would be files on the server's disk instead of reaching customers.
  'SES_FROM_ADDRESS',
] as const satisfies readonly EnvKey[];

export function missingInProduction(values: EnvValues): EnvKey[] {
  return requiredInProduction.filter((key) => values[key] === undefined);
}
