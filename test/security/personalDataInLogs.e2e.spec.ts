import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ledgerLoggerOptions } from '../../src/http/hardening/logOptions.js';
import { startTestLedger, type TestLedger } from '../support/ledgerServer.js';
import { capturedLogLines } from '../support/loggers.js';

/** Every line the server's pino logger writes, as written. */
const { stream: captured, lines } = capturedLogLines();

const CUSTOMER_NAME = 'Zelinda Quaresma-Vasconcelos';
const CUSTOMER_EMAIL = 'zelinda.quaresma@example.org';

let ledger: TestLedger;
beforeAll(async () => {
  ledger = await startTestLedger({ logger: ledgerLoggerOptions({ level: 'trace', stream: captured }) });
});
afterAll(async () => {
  await ledger.close();
});

describe('customer personal data in logs', () => {
  it('is in no log line, not even those of a 500 whose database error echoes the failing row', async () => {
    const slotId = `pii-${randomUUID().slice(0, 8)}`;
    const created = await ledger.call('PUT', `/v1/slots/${slotId}`, {
      token: ledger.token({ groups: ['admin'], sub: 'pii-admin' }),
      body: { activityId: 'kayak', startsAt: '2027-12-01T09:00:00Z', capacity: 5, unitPrice: { amount: 1000, currency: 'EUR' } },
    });
    expect(created.status).toBe(201);
    // A real database failure whose message carries the row: PostgreSQL's check violation says
    // "Failing row contains (…)", the customer's name and e-mail among the values.
    await ledger.db.asOwner('ALTER TABLE reservations_view ADD CONSTRAINT refuse_every_row CHECK (false) NOT VALID');
    const held = await ledger.call('POST', '/v1/reservations', {
      token: ledger.token({ sub: 'pii-customer', email: CUSTOMER_EMAIL }),
      headers: { 'idempotency-key': randomUUID() },
      body: { slotId, seats: 1, customer: { name: CUSTOMER_NAME, email: CUSTOMER_EMAIL } },
    });
    expect(held.status).toBe(500);

    const failure = lines.map((line) => JSON.parse(line) as Record<string, unknown>).find((entry) => entry.msg === 'unhandled error');
    expect(failure, 'the 500 is logged').toBeDefined();
    expect(JSON.stringify(failure)).toContain('refuse_every_row');
    const log = lines.join('\n');
    for (const personal of [CUSTOMER_NAME, 'Zelinda', 'Quaresma', CUSTOMER_EMAIL, 'zelinda.quaresma']) expect(log).not.toContain(personal);
  });

  it('is in no log line of a 500 on a read whose query carries the customer e-mail as a parameter', async () => {
    // A real database failure on the query pool: the column the e-mail search uses is gone.
    await ledger.db.asOwner('ALTER TABLE reservations_view RENAME COLUMN customer_email_key TO customer_email_key_gone');
    const before = lines.length;
    const searched = await ledger.call('GET', `/v1/backoffice/reservations?email=${encodeURIComponent(CUSTOMER_EMAIL)}`, {
      token: ledger.token({ groups: ['staff'], sub: 'pii-staff' }),
    });
    expect(searched.status).toBe(500);
    const mine = lines.slice(before);
    expect(mine.some((line) => line.includes('unhandled error'))).toBe(true);
    for (const personal of [CUSTOMER_EMAIL, 'zelinda.quaresma']) expect(mine.join('\n')).not.toContain(personal);
  });
});
