import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLedgerClient, getReservation, holdSeats, LedgerProblem } from '../../clients/ledgerClient.js';
import { generatedClientFiles, readCheckedInClientFiles } from '../../scripts/openapiClient.js';
import { startTestLedger, type TestLedger } from '../support/ledgerServer.js';

describe('the generated client (clients/)', () => {
  it('is what `npm run openapi:client` generates from the route schemas now', async () => {
    const [generated, checkedIn] = await Promise.all([generatedClientFiles(), readCheckedInClientFiles()]);
    // On a failure: the route schemas changed; run `npm run openapi:client` and commit clients/.
    expect(checkedIn.document, 'clients/openapi.json is stale: run npm run openapi:client').toBe(generated.document);
    expect(checkedIn.types, 'clients/ledger-api.d.ts is stale: run npm run openapi:client').toBe(generated.types);
  });

  describe('against the server', () => {
    let ledger: TestLedger;
    beforeAll(async () => {
      ledger = await startTestLedger();
    });
    afterAll(async () => {
      await ledger.close();
    });

    it('holds seats, replays a retry and reads the reservation through the typed client', async () => {
      const admin = ledger.token({ sub: 'client-admin', groups: ['admin'] });
      const slotId = `client-${randomUUID().slice(0, 8)}`;
      const slot = await ledger.call('PUT', `/v1/slots/${slotId}`, {
        token: admin,
        body: { activityId: 'kayak', startsAt: '2027-06-01T09:00:00Z', capacity: 4, unitPrice: { amount: 2500, currency: 'EUR' } },
      });
      expect(slot.status).toBe(201);
      const client = createLedgerClient(ledger.url, ledger.token({ sub: 'client-customer' }));
      const hold = { slotId, seats: 2, customer: { name: 'Ana', email: 'ana@example.com' } };
      const key = randomUUID();
      const first = await holdSeats(client, hold, key);
      expect(first).toMatchObject({ replayed: false, reservation: { status: 'held', seats: 2, total: { amount: 5000, currency: 'EUR' } } });
      const again = await holdSeats(client, hold, key);
      expect(again).toEqual({ replayed: true, reservation: first.reservation });
      const read = await getReservation(client, first.reservation.reservationId);
      expect(read).toMatchObject({ reservationId: first.reservation.reservationId, status: 'held', payments: [] });
      await expect(holdSeats(client, { ...hold, seats: 5 }, randomUUID())).rejects.toThrow(LedgerProblem);
    });
  });
});
