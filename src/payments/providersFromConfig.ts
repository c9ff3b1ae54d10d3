import type { AppConfig } from '../config/config.js';
import { createMercadoPagoProvider, type MercadoPagoProvider } from './mercadopago.js';
import type { PaymentProviders } from './provider.js';
import { createStripeProvider } from './stripe.js';

export type PaymentsSettings = Pick<AppConfig, 'stripe' | 'mercadopago'>;

/** The provider adapters whose keys are set; a provider without keys is absent (its payments answer 503). */
export function providersFromConfig(settings: PaymentsSettings): { providers: PaymentProviders; mercadopago?: MercadoPagoProvider } {
  const { stripe: stripeKeys, mercadopago: mpKeys } = settings;
  const stripe = stripeKeys.secretKey
    ? createStripeProvider({ secretKey: stripeKeys.secretKey, ...(stripeKeys.apiBase ? { apiBase: stripeKeys.apiBase } : {}) })
    : undefined;
  const mercadopago = mpKeys.accessToken
    ? createMercadoPagoProvider({ accessToken: mpKeys.accessToken, ...(mpKeys.apiBase ? { apiBase: mpKeys.apiBase } : {}) })
    : undefined;
  return {
    providers: { ...(stripe ? { stripe } : {}), ...(mercadopago ? { mercadopago } : {}) },
    ...(mercadopago ? { mercadopago } : {}),
  };
}
