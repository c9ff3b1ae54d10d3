import { initialActivityState } from '../../src/domain/activity.js';
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Loaded } from '../../src/app/command/command.js';
import { claimPaymentStartCommand, paymentIdentity } from '../../src/app/payments/startPayment.js';
import { initialPaymentState } from '../../src/domain/payment.js';
import type { ReservationState } from '../../src/domain/reservation.js';
import type { PaymentView } from '../../projections/paymentView.js';

// The claim's decide is pure: given the reservation and its payments, what does a start do?
const tenantId = 'tenant-test';
const reservationId = randomUUID();
const caller = { principal: { sub: 'customer-1', email: 'ana@example.com', tenantId, groups: [] } };
const request = { tenantId, subject: 'customer-1', key: randomUUID(), method: 'POST', path: '/payments', body: {} };
const now = '2027-01-01T10:00:00.000Z';
const held: ReservationState = {
  status: 'held',
  reservationId,
  slotId: 'slot-1',
  seats: 2,
  total: { amount: 9000, currency: 'EUR' },
  expiresAt: '2027-01-01T10:15:00.000Z',
  customer: { name: 'Ana', email: 'ana@example.com' },
  ownerSub: 'customer-1',
  heldAt: '2027-01-01T09:59:00.000Z',
};

function view(paymentId: string, status: PaymentView['status']): PaymentView {
  return {
    payment_id: paymentId,
    reservation_id: reservationId,
    provider: 'stripe',
    status,
    amount: 9000,
    currency: 'EUR',
    provider_payment_id: `pi_${paymentId.slice(0, 8)}`,
    client_secret: null,
    checkout_url: null,
    pix_qr_code: null,
    last_error: null,
    version: 1,
    created_at: '2027-01-01T09:59:30.000Z',
    updated_at: '2027-01-01T09:59:30.000Z',
  };
}

function decide(payments: readonly PaymentView[]) {
  const loaded: Loaded<readonly PaymentView[]> = {
    now,
    slot: {
      status: 'open',
      slotId: 'slot-1',
      activityId: 'activity-1',
      startsAt: '2027-02-01T10:00:00.000Z',
      capacity: 10,
      held: 2,
      sold: 0,
      unitPrice: { amount: 4500, currency: 'EUR' },
      departure: 'open' as const,
      panelBookings: {},
      releasedPanelBookings: [],
    },
    reservation: () => held,
    payment: () => initialPaymentState,
    activity: () => initialActivityState,
    facts: payments,
  };
  return claimPaymentStartCommand(caller, request, { reservationId, method: 'stripe', graceSeconds: 1800 }).decide(loaded);
}

const identity = (attempt: number) => paymentIdentity({ tenantId, reservationId, provider: 'stripe', attempt });

describe('claimPaymentStartCommand', () => {
  it('asks the provider for the next attempt when every earlier payment has ended', () => {
    expect(decide([view(identity(0).paymentId, 'cancelled')])).toMatchObject({
      result: { kind: 'ask', ...identity(1), expiresAt: '2027-01-01T10:45:00.000Z' },
    });
  });

  it('asks the provider again, with the same key, for the open payment it named by attempt', () => {
    const decision = decide([view(identity(0).paymentId, 'failed'), view(identity(1).paymentId, 'processing')]);
    expect(decision).toMatchObject({ result: { kind: 'ask', ...identity(1) } });
    expect(decision).not.toHaveProperty('response');
  });

  it('answers with an open payment named the old way (from a key) from the read model, and stores that answer', () => {
    const legacy = randomUUID();
    const decision = decide([view(legacy, 'pending')]);
    const response = { status: 200, body: expect.objectContaining({ paymentId: legacy, status: 'pending' }) };
    expect(decision).toMatchObject({ changes: [], response, result: { kind: 'answered', response } });
  });
});
