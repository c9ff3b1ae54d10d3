import { createHmac, randomBytes } from 'node:crypto';
import { type FakeRequest, type FakeResponse, startJsonServer } from './http.js';

/**
 * A Stripe double speaking Stripe's wire format: form-encoded requests (`metadata[payment_id]=…`)
 * with `Authorization: Bearer sk_…` and `Idempotency-Key`, Stripe JSON objects back, and events
 * signed the way Stripe signs them. Only what the ledger uses: PaymentIntents, refunds.
 */
export type StripeIntent = {
  id: string;
  object: 'payment_intent';
  amount: number;
  amount_received: number;
  currency: string;
  status: string;
  client_secret: string;
  description: string | null;
  metadata: Record<string, string>;
  last_payment_error: { code: string; message: string } | null;
  cancellation_reason: string | null;
  latest_charge: string | null;
  created: number;
  livemode: false;
};
export type StripeCharge = {
  id: string;
  object: 'charge';
  amount: number;
  amount_refunded: number;
  currency: string;
  refunded: boolean;
  payment_intent: string;
  metadata: Record<string, string>;
};

export const STRIPE_TEST_SECRET_KEY = 'sk_test_ledger';
export const STRIPE_TEST_WEBHOOK_SECRET = 'whsec_test_secret';

/** `a[b][c]=v` form fields as Stripe's API reads them. */
export function parseStripeForm(body: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of new URLSearchParams(body)) {
    const path = key.split(/\[|\]\[|\]/).filter((part) => part.length > 0);
    let target = out;
    path.forEach((part, i) => {
      if (i === path.length - 1) target[part] = value;
      else target = (target[part] ??= {}) as Record<string, unknown>;
    });
  }
  return out;
}

export function signStripePayload(payload: string, at: Date, secret = STRIPE_TEST_WEBHOOK_SECRET): string {
  const t = Math.floor(at.getTime() / 1000);
  const v1 = createHmac('sha256', secret).update(`${t}.${payload}`).digest('hex');
  return `t=${t},v1=${v1}`;
}

const id = (prefix: string) => `${prefix}_${randomBytes(12).toString('hex')}`;
export const stripeError = (status: number, type: string, message: string): FakeResponse => ({
  status,
  body: { error: { type, message } },
});

export type FakeStripe = Awaited<ReturnType<typeof startFakeStripe>>;

export async function startFakeStripe() {
  const intents = new Map<string, StripeIntent>();
  const charges = new Map<string, StripeCharge>();
  const idempotent = new Map<string, { body: string; response: FakeResponse }>();
  /** Every authorised request as received; `receivedAt` in epoch ms, to see how long a client waited between tries. */
  const requests: { method: string; path: string; idempotencyKey?: string; form: Record<string, unknown>; receivedAt: number }[] = [];
  let failures = 0;
  /** Answers given instead of Stripe's own, first to last (a 429 with Retry-After, a refusal). */
  const injected: FakeResponse[] = [];
  /** While set, requests are carried out but their answers wait for `recover()` (a provider that went silent). */
  let silence: { resume: Promise<undefined>; release: () => void } | null = null;

  function createIntent(form: Record<string, unknown>): FakeResponse {
    const amount = Number(form['amount']);
    if (!Number.isSafeInteger(amount) || amount < 1) return stripeError(400, 'invalid_request_error', 'Invalid integer: amount');
    const intent: StripeIntent = {
      id: id('pi'),
      object: 'payment_intent',
      amount,
      amount_received: 0,
      currency: String(form['currency']),
      status: 'requires_payment_method',
      client_secret: '',
      description: typeof form['description'] === 'string' ? form['description'] : null,
      metadata: (form['metadata'] ?? {}) as Record<string, string>,
      last_payment_error: null,
      cancellation_reason: null,
      latest_charge: null,
      created: Math.floor(Date.now() / 1000),
      livemode: false,
    };
    intent.client_secret = `${intent.id}_secret_${randomBytes(8).toString('hex')}`;
    intents.set(intent.id, intent);
    return { status: 200, body: intent };
  }

  function createRefund(form: Record<string, unknown>): FakeResponse {
    const intent = intents.get(String(form['payment_intent']));
    const charge = intent?.latest_charge ? charges.get(intent.latest_charge) : undefined;
    if (!intent || !charge) return stripeError(400, 'invalid_request_error', 'This PaymentIntent has no charge to refund');
    const amount = form['amount'] === undefined ? charge.amount - charge.amount_refunded : Number(form['amount']);
    if (amount > charge.amount - charge.amount_refunded) return stripeError(400, 'invalid_request_error', 'Refund exceeds charge');
    charge.amount_refunded += amount;
    charge.refunded = charge.amount_refunded === charge.amount;
    return {
      status: 200,
      body: {
        id: id('re'),
        object: 'refund',
        amount,
        currency: charge.currency,
        charge: charge.id,
        payment_intent: intent.id,
        status: 'succeeded',
        metadata: form['metadata'] ?? {},
      },
    };
  }

  /** Stripe cancels a PaymentIntent only before it is paid; anything else is `payment_intent_unexpected_state`. */
  function cancelIntent(piId: string, form: Record<string, unknown>): FakeResponse {
    const pi = intents.get(piId);
    if (!pi) return stripeError(404, 'invalid_request_error', `No such payment_intent: '${piId}'`);
    const cancellable = ['requires_payment_method', 'requires_confirmation', 'requires_action', 'requires_capture'];
    if (!cancellable.includes(pi.status)) {
      return {
        status: 400,
        body: {
          error: {
            type: 'invalid_request_error',
            code: 'payment_intent_unexpected_state',
            message: `You cannot cancel this PaymentIntent because it has a status of ${pi.status}.`,
          },
        },
      };
    }
    pi.status = 'canceled';
    pi.cancellation_reason = typeof form['cancellation_reason'] === 'string' ? form['cancellation_reason'] : null;
    return { status: 200, body: { ...pi } };
  }

  async function answer(request: FakeRequest): Promise<FakeResponse> {
    const response = route(request);
    if (silence) await silence.resume;
    return response;
  }

  function route(request: FakeRequest): FakeResponse {
    if (request.headers.authorization !== `Bearer ${STRIPE_TEST_SECRET_KEY}`) {
      return stripeError(401, 'invalid_request_error', 'Invalid API Key provided');
    }
    const form = parseStripeForm(request.method === 'GET' ? request.query.toString() : request.body);
    const key = request.headers['idempotency-key'];
    requests.push({
      method: request.method,
      path: request.path,
      ...(typeof key === 'string' ? { idempotencyKey: key } : {}),
      form,
      receivedAt: Date.now(),
    });
    if (failures > 0) {
      failures -= 1;
      return stripeError(500, 'api_error', 'injected failure');
    }
    const next = injected.shift();
    if (next) return next;
    if (request.method === 'POST' && typeof key === 'string') {
      const seen = idempotent.get(key);
      if (seen) {
        if (seen.body !== request.body)
          return stripeError(400, 'idempotency_error', 'Keys for idempotent requests can only be used with the same parameters');
        return seen.response;
      }
    }
    let response: FakeResponse;
    const intentPath = /^\/v1\/payment_intents\/([^/]+)$/.exec(request.path);
    const cancelPath = /^\/v1\/payment_intents\/([^/]+)\/cancel$/.exec(request.path);
    if (request.method === 'POST' && request.path === '/v1/payment_intents') response = createIntent(form);
    else if (request.method === 'POST' && request.path === '/v1/refunds') response = createRefund(form);
    else if (request.method === 'POST' && cancelPath?.[1]) response = cancelIntent(cancelPath[1], form);
    else if (request.method === 'GET' && intentPath?.[1]) {
      const intent = intents.get(intentPath[1]);
      if (!intent) return stripeError(404, 'invalid_request_error', `No such payment_intent: '${intentPath[1]}'`);
      const expand = request.query.getAll('expand[]').concat(request.query.getAll('expand[0]'));
      const charge = intent.latest_charge && expand.includes('latest_charge') ? charges.get(intent.latest_charge) : undefined;
      response = { status: 200, body: { ...intent, ...(charge ? { latest_charge: charge } : {}) } };
    } else return stripeError(404, 'invalid_request_error', `Unrecognized request URL (${request.method}: ${request.path})`);
    if (request.method === 'POST' && typeof key === 'string' && response.status < 500)
      idempotent.set(key, { body: request.body, response });
    return response;
  }

  const server = await startJsonServer(answer);

  function intent(piId: string): StripeIntent {
    const found = intents.get(piId);
    if (!found) throw new Error(`no PaymentIntent ${piId}`);
    return found;
  }

  /** Moves an intent the way the customer's actions would, returning the event Stripe would send. */
  function transition(piId: string, type: 'processing' | 'succeeded' | 'payment_failed' | 'canceled', options: { amount?: number } = {}) {
    // A succeeded PaymentIntent is final at Stripe: a later event about it (a stale decline, a
    // cancel) is still sent as it was, for the ledger to judge, but the intent and its charge stay.
    const stored = intent(piId);
    const pi = stored.status === 'succeeded' && type !== 'succeeded' ? structuredClone(stored) : stored;
    switch (type) {
      case 'processing':
        pi.status = 'processing';
        break;
      case 'succeeded': {
        // Stripe captures a PaymentIntent once: a second success event (a re-sent one, or one whose
        // amount a test alters in the event body) names the charge that already exists.
        if (pi.status === 'succeeded' && pi.latest_charge) break;
        pi.status = 'succeeded';
        pi.amount_received = options.amount ?? pi.amount;
        const charge: StripeCharge = {
          id: id('ch'),
          object: 'charge',
          amount: pi.amount_received,
          amount_refunded: 0,
          currency: pi.currency,
          refunded: false,
          payment_intent: pi.id,
          metadata: {},
        };
        charges.set(charge.id, charge);
        pi.latest_charge = charge.id;
        break;
      }
      case 'payment_failed':
        pi.status = 'requires_payment_method';
        pi.last_payment_error = { code: 'card_declined', message: 'Your card was declined.' };
        break;
      case 'canceled':
        pi.status = 'canceled';
        pi.cancellation_reason = 'requested_by_customer';
        break;
    }
    return event(`payment_intent.${type}`, { ...pi, ...(options.amount !== undefined ? { amount_received: options.amount } : {}) });
  }

  function event(type: string, object: unknown) {
    return JSON.stringify({
      id: id('evt'),
      object: 'event',
      api_version: '2026-10-28.endive',
      created: Math.floor(Date.now() / 1000),
      livemode: false,
      type,
      data: { object },
    });
  }

  /** The charge.refunded event for an intent's charge (after a refund was created). */
  function refundedEvent(piId: string): string {
    const pi = intent(piId);
    const charge = pi.latest_charge ? charges.get(pi.latest_charge) : undefined;
    if (!charge) throw new Error(`no charge for ${piId}`);
    return event('charge.refunded', charge);
  }

  return {
    url: server.url,
    secretKey: STRIPE_TEST_SECRET_KEY,
    webhookSecret: STRIPE_TEST_WEBHOOK_SECRET,
    intents,
    requests,
    intent,
    transition,
    event,
    refundedEvent,
    refundRequests: () => requests.filter((r) => r.path === '/v1/refunds'),
    cancelRequests: () => requests.filter((r) => r.method === 'POST' && r.path.endsWith('/cancel')),
    /** The next n requests get a 500 (Infinity: until `failNext(0)`). */
    failNext(n: number) {
      failures = n;
    },
    /** The next requests get these answers, one each, before Stripe carries out any. */
    answerNext(...responses: FakeResponse[]) {
      injected.push(...responses);
    },
    /** From now on requests are carried out (intents created) but not answered until `recover()`. */
    goSilent() {
      let release: (() => void) | undefined;
      const resume = new Promise<undefined>((resolve) => (release = () => resolve(undefined)));
      silence = { resume, release: () => release?.() };
    },
    recover() {
      silence?.release();
      silence = null;
    },
    sign: (payload: string, at: Date) => signStripePayload(payload, at),
    close: async () => {
      silence?.release();
      await server.close();
    },
  };
}
