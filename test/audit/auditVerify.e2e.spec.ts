import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCheckpoint } from '../../src/audit/checkpointsCreate.js';
import { DEFAULT_TEST_TENANT } from '../../src/identity/testing/tokens.js';
import { startTestLedger, type TestLedger } from '../support/ledgerServer.js';
import { rewriteStreamHistory } from './tamper.js';
import { createTestCheckpointSigner } from '../support/checkpointSigner.js';

const signer = createTestCheckpointSigner();

let ledger: TestLedger;
let admin: string;
let auditor: string;
let otherAuditor: string;
let staff: string;

beforeAll(async () => {
  ledger = await startTestLedger({ checkpointSigner: signer });
  admin = ledger.token({ groups: ['admin'], sub: 'admin-1' });
  auditor = ledger.token({ groups: ['auditor'], sub: 'auditor-1' });
  otherAuditor = ledger.token({ groups: ['auditor'], sub: 'auditor-b', tenantId: 'tenant-b' });
  staff = ledger.token({ groups: ['staff'], sub: 'staff-1' });
});
afterAll(async () => {
  await ledger.close();
});

async function defineSlot(capacity: number, slotId = `slot-${randomUUID().slice(0, 8)}`): Promise<string> {
  const res = await ledger.call('PUT', `/v1/slots/${slotId}`, {
    token: admin,
    body: { activityId: 'glacier-walk', startsAt: '2036-12-01T09:00:00Z', capacity, unitPrice: { amount: 4500, currency: 'EUR' } },
  });
  expect([200, 201]).toContain(res.status);
  return slotId;
}

describe('POST /v1/audit/verify', () => {
  it('reports exactly the contract fields, plus the checkpoint check, for auditors only', async () => {
    const slotId = await defineSlot(10);
    await defineSlot(12, slotId);
    await createCheckpoint(ledger.deps.systemPool, signer);

    const report = await ledger.call('POST', '/v1/audit/verify', { token: auditor });
    expect(report.status).toBe(200);
    expect(Object.keys(report.body).sort()).toEqual(['brokenChains', 'checkpoints', 'events', 'ok', 'projectionMismatches', 'streams']);
    expect(report.body).toMatchObject({ ok: true, streams: 1, events: 2, brokenChains: [], projectionMismatches: [] });
    expect(report.body.checkpoints).toMatchObject({ ok: true, checkpoints: 1, brokenLinks: [], rewrittenStreams: [] });

    for (const token of [staff, admin]) {
      const refused = await ledger.call('POST', '/v1/audit/verify', { token });
      expect(refused.status).toBe(403);
      expect(refused.body.code).toBe('forbidden');
    }
    expect((await ledger.call('POST', '/v1/audit/verify', {})).status).toBe(401);
  });

  it("names a rewritten stream to its own tenant's auditor only", async () => {
    const slotId = await defineSlot(20);
    await defineSlot(25, slotId);
    await createCheckpoint(ledger.deps.systemPool, signer);
    await rewriteStreamHistory(ledger.db, DEFAULT_TEST_TENANT, `slot-${slotId}`, 1, {
      slotId,
      activityId: 'rewritten',
      startsAt: '2036-12-01T09:00:00.000Z',
      capacity: 20,
      unitPrice: { amount: 1, currency: 'EUR' },
    });

    const report = await ledger.call('POST', '/v1/audit/verify', { token: auditor });
    expect(report.body.ok).toBe(false);
    expect(report.body.brokenChains).toEqual([]);
    expect(report.body.checkpoints.rewrittenStreams).toEqual([
      expect.objectContaining({ tenantId: DEFAULT_TEST_TENANT, streamId: `slot-${slotId}`, version: 2, reason: 'head_hash_mismatch' }),
    ]);

    const other = await ledger.call('POST', '/v1/audit/verify', { token: otherAuditor });
    expect(other.status).toBe(200);
    expect(other.body).toMatchObject({ ok: true, streams: 0, events: 0, brokenChains: [], projectionMismatches: [] });
    expect(other.body.checkpoints.rewrittenStreams).toEqual([]);
  });
});
