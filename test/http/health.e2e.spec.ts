import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestLedger, type TestLedger } from '../support/ledgerServer.js';

let ledger: TestLedger;
beforeAll(async () => {
  ledger = await startTestLedger();
});
afterAll(async () => {
  await ledger.close();
});

describe('liveness and readiness', () => {
  it('are both up while the database answers, and readiness alone turns 503 once shutdown begins', async () => {
    for (const path of ['/health', '/readyz', '/livez']) {
      const res = await ledger.call('GET', path);
      expect([path, res.status, res.body]).toEqual([path, 200, { status: 'ok' }]);
    }
    ledger.composed.beginDraining();
    const ready = await ledger.call('GET', '/readyz');
    expect(ready.status).toBe(503);
    expect(ready.body).toEqual({ status: 'unavailable' });
    // Still alive, and the database still answers: only new traffic is turned away.
    expect((await ledger.call('GET', '/livez')).status).toBe(200);
    expect((await ledger.call('GET', '/health')).status).toBe(200);
  });
});
