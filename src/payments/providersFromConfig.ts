import type { AppConfig } from '../config/config.js';
import { createMercadoPagoProvider, type MercadoPagoProvider } from './mercadopago.js';
import type { PaymentProviders } from './provider.js';
import { createStripeProvider } from './stripe.js';

export type PaymentsSettings = Pick<AppConfig, 'stripe' | 'mercadopago' | 'frontendUrl'> & {
  /** Test-only: a shorter budget than PROVIDER_CALL_BUDGET_MS for one provider call, tries and waits together. */
  readonly providerCallBudgetMs?: number;
};

/** The provider adapters whose keys are set; a provider without keys is absent (its payments answer 503). */
export function providersFromConfig(settings: PaymentsSettings): { providers: PaymentProviders; mercadopago?: MercadoPagoProvider } {
  const { stripe: stripeKeys, mercadopago: mpKeys } = settings;
  const budget = settings.providerCallBudgetMs === undefined ? {} : { callBudgetMs: settings.providerCallBudgetMs };
  const stripe = stripeKeys.secretKey
    ? createStripeProvider({ secretKey: stripeKeys.secretKey, ...(stripeKeys.apiBase ? { apiBase: stripeKeys.apiBase } : {}), ...budget })
    : undefined;
  const mercadopago = mpKeys.accessToken
    ? createMercadoPagoProvider({
        accessToken: mpKeys.accessToken,
        ...(mpKeys.apiBase ? { apiBase: mpKeys.apiBase } : {}),
        ...(settings.frontendUrl ? { frontendUrl: settings.frontendUrl } : {}),
        ...budget,
      })
    : undefined;
  return {
    providers: { ...(stripe ? { stripe } : {}), ...(mercadopago ? { mercadopago } : {}) },
    ...(mercadopago ? { mercadopago } : {}),
  };
}
