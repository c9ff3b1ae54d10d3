import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StreamChange } from '../../src/app/command/reactions.js';
import type { AppDeps } from '../../src/app/context.js';
import { cancelReservation } from '../../src/app/cancelReservation.js';
import { defineSlot } from '../../src/app/defineSlot.js';
import { holdSeats } from '../../src/app/holdSeats.js';
import type { FollowUpJob } from '../../src/jobs/followUpJobs.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { queuedJobs } from '../support/jobs.js';
import { createTestPersonalData } from '../support/personalData.js';

const TENANT = 'tenant-reactions';
let db: TestDatabase;
let deps: AppDeps;
const seen: StreamChange[] = [];

/** A reaction that names one job per change, keyed by the stream and the version it reached. */
const recordChange = (change: StreamChange): FollowUpJob[] => {
  seen.push(change);
  return [{ task: 'expireDueHolds', payload: {}, jobKey: `reacted:${change.aggregate}:${change.id}:${change.version}` }];
};

beforeAll(async () => {
  db = await createTestDatabase({ maximumPoolSize: 2 });
  deps = {
    pool: db.pool,
    systemPool: db.systemPool,
    commands: db.commands,
    clock: () => new Date('2027-03-01T10:00:00.000Z'),
    holdTtlSeconds: 900,
    paymentGraceSeconds: 1800,
    reactions: [recordChange],
    personalData: createTestPersonalData(db.pool),
  };
});
afterAll(async () => {
  await db.drop();
});

const admin = { principal: { sub: 'admin-1', email: null, tenantId: TENANT, groups: ['admin'] } };
const customer = { principal: { sub: 'customer-1', email: null, tenantId: TENANT, groups: [] } };
const reactedKeys = async () => (await queuedJobs(db, 'expireDueHolds')).map((job) => job.key);

describe('reactions to committed changes', () => {
  it('enqueue their jobs with every change whoever makes it, seeing the state before and after', async () => {
    await defineSlot(deps, admin, {
      slotId: 'glacier-1',
      activityId: 'glacier',
      startsAt: '2027-03-02T09:00:00.000Z',
      capacity: 2,
      unitPrice: { amount: 4500, currency: 'BRL' },
    });
    const held = await holdSeats(
      deps,
      customer,
      { tenantId: TENANT, subject: 'customer-1', key: 'k1', method: 'POST', path: '/v1/reservations', body: 1 },
      { slotId: 'glacier-1', seats: 2, customer: { name: 'Ana', email: 'ana@example.com' } },
      20,
    );
    if (!held.ok) throw new Error(held.error.message);
    const reservationId = (held.value.response.body as { reservationId: string }).reservationId;
    await cancelReservation(deps, customer, reservationId);

    expect(await reactedKeys()).toEqual([
      'reacted:slot:glacier-1:1',
      'reacted:slot:glacier-1:2',
      `reacted:reservation:${reservationId}:1`,
      `reacted:reservation:${reservationId}:2`,
      'reacted:slot:glacier-1:3',
    ]);
    const reservationChanges = seen.filter((change) => change.aggregate === 'reservation');
    expect(
      reservationChanges.map((change) => [change.before.status, change.after.status, change.events.map((event) => event.type)]),
    ).toEqual([
      ['none', 'held', ['ReservationHeld']],
      ['held', 'cancelled', ['ReservationCancelled']],
    ]);
    expect(reservationChanges[0]).toMatchObject({ tenantId: TENANT, now: '2027-03-01T10:00:00.000Z', metadata: { actor: 'customer-1' } });
  });

  it('enqueue nothing for a command that is refused', async () => {
    const before = await reactedKeys();
    const refused = await holdSeats(
      deps,
      customer,
      { tenantId: TENANT, subject: 'customer-1', key: 'k2', method: 'POST', path: '/v1/reservations', body: 2 },
      { slotId: 'glacier-1', seats: 3, customer: { name: 'Ana', email: 'ana@example.com' } },
      20,
    );
    expect(refused).toMatchObject({ ok: false, error: { kind: 'SlotFull' } });
    expect(await reactedKeys()).toEqual(before);
  });
});
