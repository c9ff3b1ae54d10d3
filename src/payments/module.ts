import type { AppDeps } from '../app/context.js';
import { reconcilePayments, type ReconcileReport } from '../app/payments/reconcile.js';
import { sendRefund } from '../app/payments/sendRefund.js';
import { refundUnpayableSuccesses } from '../app/payments/resolveAnomaly.js';
import { anomalyResolutionRoutes } from '../http/routes/anomalyResolution.js';
import type { AppConfig } from '../config/config.js';
import { backofficeRoutes } from '../http/routes/backoffice.js';
import { paymentRoutes } from '../http/routes/payments.js';
import { webhookRoutes } from '../http/routes/webhooks.js';
import type { ServerDeps } from '../http/server.js';
import { createMercadoPagoProvider } from './mercadopago.js';
import type { PaymentProviders } from './provider.js';
import type { PayloadOf } from '../jobs/followUpJobs.js';
import { createStripeProvider } from './stripe.js';

export type PaymentsSettings = Pick<AppConfig, 'stripe' | 'mercadopago'>;

export type PaymentsReconciliation = ReconcileReport & {
  /** Succeeded payments whose reservation could not be paid, whose refund was now asked for. */
  readonly unpayableRefunded: number;
};

export type PaymentsModule = {
  readonly providers: PaymentProviders;
  /** What the HTTP server needs to serve payments, webhooks and the back office. */
  readonly serverDeps: Pick<ServerDeps, 'v1Plugins' | 'rootPlugins'>;
  /** Sends a refund asked for by a committed change (the `sendRefund` job). */
  sendRefund(payload: PayloadOf<'sendRefund'>): Promise<void>;
  reconcile(options?: { olderThanSeconds?: number; limit?: number }): Promise<PaymentsReconciliation>;
};

/**
 * The payments feature wired from configuration: the provider adapters (only those whose keys are
 * set), the use cases over them, and the route groups. main.ts, the CLI and the tests all build it
 * here, so they run the same wiring.
 */
export function createPaymentsModule(
  deps: AppDeps,
  settings: PaymentsSettings,
  onError: (message: string, error: unknown) => void,
): PaymentsModule {
  const stripe = settings.stripe.secretKey
    ? createStripeProvider({ secretKey: settings.stripe.secretKey, ...(settings.stripe.apiBase ? { apiBase: settings.stripe.apiBase } : {}) })
    : undefined;
  const mercadopago = settings.mercadopago.accessToken
    ? createMercadoPagoProvider({
        accessToken: settings.mercadopago.accessToken,
        ...(settings.mercadopago.apiBase ? { apiBase: settings.mercadopago.apiBase } : {}),
      })
    : undefined;
  const providers: PaymentProviders = { ...(stripe ? { stripe } : {}), ...(mercadopago ? { mercadopago } : {}) };
  return {
    providers,
    sendRefund: async (payload) => {
      await sendRefund(deps, providers, payload);
    },
    serverDeps: {
      v1Plugins: [paymentRoutes(deps, providers), backofficeRoutes(deps), anomalyResolutionRoutes(deps)],
      rootPlugins: [
        webhookRoutes(deps, {
          stripe: { webhookSecret: settings.stripe.webhookSecret },
          mercadopago: { webhookSecret: settings.mercadopago.webhookSecret, fetchPayment: mercadopago?.fetchPayment },
        }),
      ],
    },
    // Provider answers first: one of them may be the success that makes an anomaly in the first place.
    // The refunds it asks for are jobs, sent once its commands have committed.
    reconcile: async (options = {}) => {
      const report = await reconcilePayments(deps, providers, { ...options, onError });
      const unpayableRefunded = await refundUnpayableSuccesses(deps, { onError });
      return { ...report, unpayableRefunded };
    },
  };
}
