import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findPlaintext } from '../support/plaintextScan.js';
import { startTestLedger, type TestLedger } from '../support/ledgerServer.js';

// The erasure property (issue 19): after a random workload over several customers and tenants and
// the erasure of random customers, verify is ok (chains, checkpoints-free here, and rebuilt read
// models equal to the live ones), a scan of every text and JSON column of every table finds no name
// or e-mail of an erased customer (their login rows included), and every other customer reads back intact.

let ledger: TestLedger;

beforeAll(async () => {
  ledger = await startTestLedger({ holdMaxSeatsPerCustomer: 1000 });
});
afterAll(async () => {
  await ledger.close();
});

type Action =
  | { readonly kind: 'hold'; readonly tenant: number; readonly customer: number; readonly upperCase: boolean }
  | { readonly kind: 'cancel'; readonly pick: number }
  | { readonly kind: 'erase'; readonly tenant: number; readonly customer: number };

const TENANTS = 2;
const CUSTOMERS = 3;
const action: fc.Arbitrary<Action> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant('hold' as const),
      tenant: fc.nat(TENANTS - 1),
      customer: fc.nat(CUSTOMERS - 1),
      upperCase: fc.boolean(),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('cancel' as const), pick: fc.nat() }) },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant('erase' as const), tenant: fc.nat(TENANTS - 1), customer: fc.nat(CUSTOMERS - 1) }),
  },
);

describe('erasure over random workloads', () => {
  it('leaves verify ok, no plaintext of erased customers anywhere, and everyone else intact', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(action, { minLength: 4, maxLength: 16 }), async (actions) => {
        const run = randomUUID().slice(0, 8);
        const tenants = Array.from({ length: TENANTS }, (_, t) => `tenant-${run}-${t}`);
        const person = (t: number, c: number) => ({ name: `Person ${run} ${t}${c}`, email: `p${c}.${run}@example.com` });
        const admins = tenants.map((tenantId) => ledger.token({ groups: ['admin'], sub: `admin-${tenantId}`, tenantId }));
        // Each customer signs in as their own Cognito user, whose ID token carries their address: the
        // login row it fills (users.email) is one more copy an erasure must scrub.
        const sub = (t: number, c: number) => `customer-${tenants[t]}-${c}`;
        const customerToken = (t: number, c: number) =>
          ledger.token({ sub: sub(t, c), tenantId: tenants[t] ?? '', email: person(t, c).email });
        const signedIn = new Set<string>();
        const slots: string[] = [];
        for (const [t, token] of admins.entries()) {
          const slotId = `slot-${run}-${t}`;
          const res = await ledger.call('PUT', `/v1/slots/${slotId}`, {
            token,
            body: { activityId: 'kayak', startsAt: '2030-07-01T09:00:00Z', capacity: 500, unitPrice: { amount: 1000, currency: 'EUR' } },
          });
          expect(res.status).toBe(201);
          slots.push(slotId);
        }
        const held: { reservationId: string; tenant: number; customer: number; email: string; erased: boolean }[] = [];
        const erased = new Set<string>();
        for (const step of actions) {
          if (step.kind === 'hold') {
            const who = person(step.tenant, step.customer);
            // Any spelling of the address is the same customer; it reads back as it was typed.
            const email = step.upperCase ? who.email.toUpperCase() : who.email;
            const res = await ledger.call('POST', '/v1/reservations', {
              token: customerToken(step.tenant, step.customer),
              headers: { 'idempotency-key': randomUUID() },
              body: { slotId: slots[step.tenant], seats: 1, customer: { ...who, email } },
            });
            expect(res.status).toBe(201);
            // A customer booking again after being erased is a new customer (a new data key).
            erased.delete(`${step.tenant}:${step.customer}`);
            signedIn.add(`${step.tenant}:${step.customer}`);
            held.push({
              reservationId: res.body.reservationId as string,
              tenant: step.tenant,
              customer: step.customer,
              email,
              erased: false,
            });
          } else if (step.kind === 'cancel' && held.length > 0) {
            const target = held[step.pick % held.length]!;
            // The tenant's admin cancels on the customer's behalf: the customer signing in again after
            // an erasure would fill their login row anew, a new use of the service (ADR 0048).
            await ledger.call('POST', `/v1/reservations/${target.reservationId}/cancel`, { token: admins[target.tenant] });
          } else if (step.kind === 'erase') {
            const res = await ledger.call('POST', '/v1/backoffice/customers/erase', {
              token: admins[step.tenant],
              body: { email: person(step.tenant, step.customer).email },
            });
            const theirs = held.filter((h) => h.tenant === step.tenant && h.customer === step.customer && !h.erased);
            expect(res).toMatchObject({ status: 200, body: { erased: theirs.length } });
            for (const h of theirs) h.erased = true;
            erased.add(`${step.tenant}:${step.customer}`);
          }
        }

        for (const [t, token] of admins.entries()) {
          const verify = await ledger.call('POST', '/v1/audit/verify', {
            token: ledger.token({ groups: ['auditor'], sub: `auditor-${tenants[t]}`, tenantId: tenants[t] }),
          });
          expect(verify.body).toMatchObject({ ok: true, brokenChains: [], projectionMismatches: [] });
          const list = await ledger.call('GET', '/v1/backoffice/reservations?limit=100', { token });
          const shown = new Map(
            (list.body.items as { reservationId: string; customer: unknown }[]).map((i) => [i.reservationId, i.customer]),
          );
          for (const h of held.filter((x) => x.tenant === t)) {
            const expected = h.erased ? { name: '[erased]', email: '[erased]' } : { name: person(t, h.customer).name, email: h.email };
            expect(shown.get(h.reservationId)).toEqual(expected);
          }
        }
        const gone = [...erased].map((key) => key.split(':').map(Number) as [number, number]);
        // Customer c has one address in every tenant: while the other tenant's customer c is live, their
        // own login row holds it rightly, so the address is looked for only when no one live has it.
        const live = (c: number) => tenants.some((_, t) => signedIn.has(`${t}:${c}`) && !erased.has(`${t}:${c}`));
        const needles = gone.flatMap(([t, c]) => [person(t, c).name, ...(live(c) ? [] : [person(t, c).email])]);
        expect(await findPlaintext(ledger.db, needles)).toEqual([]);
        // And each erased customer's own login row, whoever else shares the address.
        const erasedSubs = gone.filter(([t, c]) => signedIn.has(`${t}:${c}`)).map(([t, c]) => sub(t, c));
        const { rows } = await ledger.db.asOwner<{ sub: string; email: string | null }>(
          'SELECT sub, email FROM users WHERE sub = ANY($1)',
          [erasedSubs],
        );
        expect(rows.map((row) => [row.sub, row.email]).sort()).toEqual(erasedSubs.map((s) => [s, null]).sort());
      }),
      { numRuns: 4 },
    );
  });
});
