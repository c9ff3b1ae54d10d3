import {
  decidePayment,
  evolvePayment,
  initialPaymentState,
  type PaymentCommand,
  type PaymentEvent,
  type PaymentState,
} from '../domain/payment.js';
import { paymentsView, paymentViewInputOf } from '../../projections/paymentView.js';
import { defineAggregate, inlineProjection } from './aggregate.js';
import { parsePaymentEvent, paymentEventSchema } from './paymentEvents.js';

export { parsePaymentEvent, paymentEventSchema } from './paymentEvents.js';

/** The payment: one attempt with one provider (stream `payment-<paymentId>`), kept in `payments_view`. */
export const paymentAggregate = defineAggregate<'payment', PaymentCommand, PaymentEvent, PaymentState>({
  name: 'payment',
  streamPrefix: 'payment-',
  initialState: initialPaymentState,
  evolve: evolvePayment,
  decide: decidePayment,
  eventSchema: paymentEventSchema,
  parseEvent: parsePaymentEvent,
  projections: [inlineProjection(paymentsView, paymentViewInputOf)],
});
