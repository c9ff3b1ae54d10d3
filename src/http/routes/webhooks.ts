import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { AppDeps } from '../../app/context.js';
import { applyProviderEvent } from '../../app/payments/applyProviderEvent.js';
import { verifyMercadoPagoSignature } from '../../payments/mercadopago.js';
import { ProviderCallError, type ProviderEvent, ProviderPayloadError } from '../../payments/provider.js';
import type { SignatureCheck } from '../../payments/hmac.js';
import { normalizeStripeEvent, verifyStripeSignature } from '../../payments/stripe.js';
import { bodyProblems, jsonResponse, problemResponses, type RouteTypes, TAGS } from '../contract.js';
import { problem, problemForProviderFailure, sendProblem } from '../problem.js';
import { webhookReceiptSchema } from '../responseSchemas.js';

export type WebhookSettings = {
  /** Told of every delivery's outcome by provider (`applied`, `duplicate`, `invalid_signature`, …): `/metrics` counts them. */
  readonly countOutcome?: (provider: WebhookProvider, outcome: string) => void;
  readonly stripe?: { readonly webhookSecret?: string | undefined };
  readonly mercadopago?: {
    readonly webhookSecret?: string | undefined;
    /** Reads the payment a notification names from the Mercado Pago API (its notifications carry only an id). */
    readonly fetchPayment?: ((id: string) => Promise<ProviderEvent>) | undefined;
  };
};

export type WebhookProvider = 'stripe' | 'mercadopago';

const single = (value: string | string[] | undefined): string | undefined => (Array.isArray(value) ? undefined : value);

/**
 * The body as sent: this plugin's parser hands every body over as bytes (or none at all), and the
 * schema only says so. The document describes the JSON the provider sends (`.meta` is merged into
 * the generated JSON Schema); nothing here parses it before the signature verifies.
 */
const rawBody = (description: string) =>
  z
    .custom<Buffer | undefined>((value) => value === undefined || value === null || Buffer.isBuffer(value))
    .meta({ type: 'object', description });

const signatureHeader = (description: string) => z.string().optional().meta({ description });

const webhookResponses = (described: { 502?: string; 503?: string } = {}) => ({
  200: jsonResponse(
    'received: a new event, a repeat (`duplicate`, changes nothing), or an anomaly kept in the ledger',
    webhookReceiptSchema,
  ),
  ...problemResponses({
    ...bodyProblems,
    400: 'invalid_signature: the signature is missing, invalid or outside its 300 s tolerance; or invalid_request: a signed payload the ledger cannot read',
    429: ['rate_limited'],
    ...described,
  }),
});

function rawBodyOf(request: FastifyRequest): Buffer {
  return Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
}

/** A refused signature is counted against its client address (429 past its allowance), then answered 400. */
async function refuseSignature(request: FastifyRequest, reply: FastifyReply, check: Extract<SignatureCheck, { ok: false }>) {
  request.log.warn({ reason: check.reason }, 'webhook signature refused');
  outcomeOf.set(request, 'invalid_signature');
  await request.server.countFailedSignature(request, reply);
  return sendProblem(reply, problem(400, 'invalid_signature', 'the webhook signature is missing, invalid or outside its time tolerance'));
}

/** Each delivery's outcome, for the count at its response; a delivery that ends otherwise counts by its status. */
const outcomeOf = new WeakMap<FastifyRequest, string>();

function outcomeByStatus(status: number): string {
  if (status === 429) return 'rate_limited';
  if (status >= 500) return 'unavailable';
  return 'invalid_request';
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

    const { countOutcome } = settings;
    if (countOutcome) {
      app.addHook('onResponse', async (request, reply) => {
        const provider: WebhookProvider = request.url.startsWith('/webhooks/stripe') ? 'stripe' : 'mercadopago';
        countOutcome(provider, outcomeOf.get(request) ?? outcomeByStatus(reply.statusCode));
      });
    }
    const routes = app.withTypeProvider<RouteTypes>();

    routes.post(
      '/webhooks/stripe',
      {
        schema: {
          operationId: 'receiveStripeEvent',
          summary: 'Stripe events, signed over the raw body',
          tags: [TAGS.webhooks],
          security: [],
          headers: z.looseObject({
            'stripe-signature': signatureHeader(
              '`t=…,v1=…[,v1=…]`: HMAC-SHA256 (hex) of `<t>.<raw body>` with the webhook secret; required (without it, 400 invalid_signature)',
            ),
          }),
          body: rawBody('a Stripe event (`{ "id": "evt_…", "type", "data": { "object" } }`), verified on its exact bytes'),
          response: webhookResponses(),
        },
      },
      async (request, reply) => {
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
        outcomeOf.set(request, result.outcome);
        return reply.code(200).send({ received: true, outcome: result.outcome });
      },
    );

    routes.post(
      '/webhooks/mercadopago',
      {
        schema: {
          operationId: 'receiveMercadoPagoNotification',
          summary: 'Mercado Pago notifications, signed over the notified id (x-signature manifest)',
          tags: [TAGS.webhooks],
          security: [],
          querystring: z.looseObject({
            'data.id': z.string().optional().meta({ description: 'the notified payment id: the only id the signature covers' }),
            type: z.string().optional().meta({ description: '`payment` moves money; other topics are acknowledged and ignored' }),
            topic: z.string().optional(),
          }),
          headers: z.looseObject({
            'x-signature': signatureHeader(
              '`ts=…,v1=…`: HMAC-SHA256 (hex) of `id:<data.id>;request-id:<x-request-id>;ts:<ts>;` with the webhook secret; required (without it, 400 invalid_signature)',
            ),
            'x-request-id': signatureHeader("Mercado Pago's request id, part of the signed manifest"),
          }),
          body: rawBody('a Mercado Pago notification (`{ "type", "data": { "id" } }`); only the signed query is trusted'),
          response: webhookResponses({
            502: 'provider_error: Mercado Pago refused to give the notified payment, or gave one that cannot be read; it retries the notification',
            503: 'unavailable: Mercado Pago is not configured on this server, or did not answer when asked for the notified payment; it retries the notification',
          }),
        },
      },
      async (request, reply) => {
        const query: Record<string, unknown> = request.query;
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
        if (type !== 'payment') {
          outcomeOf.set(request, 'ignored');
          return reply.code(200).send({ received: true, outcome: 'ignored' });
        }
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
            // 5xx either way: Mercado Pago retries the notification, by which time its API may answer.
            return sendProblem(
              reply,
              error instanceof ProviderCallError
                ? problemForProviderFailure(error, 'Mercado Pago', 'lookup')
                : problem(502, 'provider_error', 'Mercado Pago gave a payment that cannot be read; retry later'),
            );
          }
          throw error;
        }
        const result = await applyProviderEvent(deps, event, 'webhook');
        outcomeOf.set(request, result.outcome);
        return reply.code(200).send({ received: true, outcome: result.outcome });
      },
    );
  };
}
