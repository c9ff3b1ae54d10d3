import { describe, expect, it } from 'vitest';
import type { ReservationState } from '../../domain/reservation.js';
import type { StreamChange } from '../command/reactions.js';
import { panelPushReaction } from './panelPushReaction.js';

const reservationId = '6f1c1a52-6a43-4f4e-9a0f-6d2b3f1b2c11';
const facts = {
  reservationId,
  slotId: 'panel-dep-1',
  seats: 2,
  total: { amount: 9000, currency: 'EUR' },
  expiresAt: '2027-01-01T00:15:00.000Z',
  customer: { name: 'Ana', email: 'ana@example.com' },
  ownerSub: 'customer-1',
  heldAt: '2027-01-01T00:00:00.000Z',
};
const held: ReservationState = { ...facts, status: 'held' };
const paid: ReservationState = { ...facts, status: 'paid', paymentId: 'p', paidAt: '2027-01-01T00:05:00.000Z' };
const extended: ReservationState = { ...facts, status: 'held', extendedForPayment: 'p' };

function change(before: ReservationState, after: ReservationState, tenantId = 'acme'): StreamChange {
  return {
    aggregate: 'reservation',
    tenantId,
    id: reservationId,
    before,
    after,
    events: [],
    version: 3,
    now: facts.heldAt,
    metadata: { actor: 'a' },
  };
}

describe('the reaction that pushes reservations to the panel', () => {
  const react = panelPushReaction(['acme']);

  it('pushes a change the panel shows: a new hold, a payment', () => {
    expect(react(change({ status: 'none' }, held))).toEqual([
      { task: 'pushToPanel', payload: { tenantId: 'acme', reservationId, version: 3 } },
    ]);
    expect(react(change(held, paid))).toHaveLength(1);
  });

  it('pushes nothing the panel would show the same (a hold extended for a payment)', () => {
    expect(react(change(held, extended))).toEqual([]);
  });

  it('pushes nothing for tenants not synced, nor for the ledger’s own slots', () => {
    expect(react(change({ status: 'none' }, held, 'other'))).toEqual([]);
    expect(react(change({ status: 'none' }, { ...held, slotId: 'kayak-0900' }))).toEqual([]);
    expect(react(change({ status: 'none' }, { ...held, slotId: 'panel-' }))).toEqual([]);
  });
});
