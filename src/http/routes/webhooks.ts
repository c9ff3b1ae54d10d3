import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppDeps } from '../../app/context.js';
import { applyProviderEvent } from '../../app/payments/applyProviderEvent.js';
import { verifyMercadoPagoSignature } from '../../payments/mercadopago.js';
import { ProviderCallError, type ProviderEvent, ProviderPayloadError } from '../../payments/provider.js';
import type { SignatureCheck } from '../../payments/hmac.js';
import { normalizeStripeEvent, verifyStripeSignature } from '../../payments/stripe.js';
import { problem, sendProblem } from '../problem.js';

export type WebhookSettings = {
  readonly stripe?: { readonly webhookSecret?: string | undefined };
  readonly mercadopago?: {
    readonly webhookSecret?: string | undefined;
    /** Reads the payment a notification names from the Mercado Pago API (its notifications carry only an id). */
    readonly fetchPayment?: ((id: string) => Promise<ProviderEvent>) | undefined;
  };
};

const single = (value: string | string[] | undefined): string | undefined => (Array.isArray(value) ? undefined : value);

function rawBodyOf(request: FastifyRequest): Buffer {
  return Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
}

function refuseSignature(request: FastifyRequest, reply: FastifyReply, check: Extract<SignatureCheck, { ok: false }>) {
  request.log.warn({ reason: check.reason }, 'webhook signature refused');
  return sendProblem(reply, problem(400, 'invalid_signature', 'the webhook signature is missing, invalid or outside its time tolerance'));
}

function parseJson(raw: Buffer): unknown {
  if (raw.length === 0) return undefined;
  try {
    return JSON.parse(raw.toString('utf8')) as unknown;
  } catch {
    // Signed but not JSON: the sender's bug, not an attack. Stripe's normaliser turns it into a 400;
    // a Mercado Pago notification needs only its signed query string.
    return undefined;
  }
}

/**
 * The providers' webhooks, outside /v1 (no bearer token: the provider's signature instead). This
 * plugin alone replaces the JSON parser with a raw-body one, because the signature is over the
 * exact bytes sent; nothing is parsed, stored or looked up before the signature verifies.
 */
export function webhookRoutes(deps: AppDeps, settings: WebhookSettings) {
  return (app: FastifyInstance) => {
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));

    app.post('/webhooks/stripe', async (request, reply) => {
      const secret = settings.stripe?.webhookSecret;
      const check: SignatureCheck = secret
        ? verifyStripeSignature(rawBodyOf(request), single(request.headers['stripe-signature']), secret, deps.clock())
        : { ok: false, reason: 'STRIPE_WEBHOOK_SECRET is not configured' };
      if (!check.ok) return refuseSignature(request, reply, check);
      const body = parseJson(rawBodyOf(request));
      let event: ProviderEvent;
      try {
        event = normalizeStripeEvent(body);
      } catch (error) {
        if (!(error instanceof ProviderPayloadError)) throw error;
        return sendProblem(reply, problem(400, 'invalid_request', error.message));
      }
      const result = await applyProviderEvent(deps, event, 'webhook');
      return reply.code(200).send({ received: true, outcome: result.outcome });
    });

    app.post('/webhooks/mercadopago', async (request, reply) => {
      const query = (request.query ?? {}) as Record<string, unknown>;
      const dataId = typeof query['data.id'] === 'string' ? query['data.id'] : undefined;
      const secret = settings.mercadopago?.webhookSecret;
      const check: SignatureCheck = secret
        ? verifyMercadoPagoSignature(
            { dataId, requestId: single(request.headers['x-request-id']), signature: single(request.headers['x-signature']) },
            secret,
            deps.clock(),
          )
        : { ok: false, reason: 'MERCADOPAGO_WEBHOOK_SECRET is not configured' };
      if (!check.ok) return refuseSignature(request, reply, check);
      const body = parseJson(rawBodyOf(request));
      const fields = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
      const type = query['type'] ?? query['topic'] ?? fields['type'];
      // Only payment notifications move money; merchant orders and the like are acknowledged and left alone.
      if (type !== 'payment') return reply.code(200).send({ received: true, outcome: 'ignored' });
      // Only the signed id counts: the manifest covers the query's data.id, never the body's.
      if (!dataId) return sendProblem(reply, problem(400, 'invalid_request', 'the notification names no payment (query data.id)'));
      const fetchPayment = settings.mercadopago?.fetchPayment;
      if (!fetchPayment) return sendProblem(reply, problem(503, 'unavailable', 'Mercado Pago is not configured on this server'));
      let event: ProviderEvent;
      try {
        event = await fetchPayment(dataId);
      } catch (error) {
        if (error instanceof ProviderCallError || error instanceof ProviderPayloadError) {
          request.log.warn({ err: error }, 'could not read the notified Mercado Pago payment');
          // 5xx: Mercado Pago retries the notification, by which time its API may answer.
          return sendProblem(reply, problem(502, 'unavailable', 'could not read the payment from Mercado Pago; retry later'));
        }
        throw error;
      }
      const result = await applyProviderEvent(deps, event, 'webhook');
      return reply.code(200).send({ received: true, outcome: result.outcome });
    });
  };
}
