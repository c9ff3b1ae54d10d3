import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCheckpoint } from '../../src/audit/checkpointsCreate.js';
import { takeCheckpointIfDue } from '../../src/audit/checkpointsJob.js';
import { checkpointHash, GENESIS_CHECKPOINT_HASH } from '../../src/audit/checkpointsDigest.js';
import { verifyCheckpoints } from '../../src/audit/checkpointsVerify.js';
import { verifyLedger } from '../../src/audit/verifyLedger.js';
import { appendEvents } from '../consumers/logFixtures.js';
import { createTestCheckpointSigner } from '../support/checkpointSigner.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { verifyingKeyOf } from '../../src/audit/checkpointSigning.js';
import {
  forgeCheckpointChain,
  rewriteStreamHistory,
  tamperCheckpoint,
  tamperCheckpointHead,
  tamperCheckpointSignature,
  tamperEventData,
  truncateStream,
} from './tamper.js';

let db: TestDatabase;
const signer = createTestCheckpointSigner();
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db.drop();
});

/** Each test works in a tenant of its own, so its tampering shows only in its own scoped reports. */
async function tenantWithStreams(streams = 2, eventsPerStream = 4): Promise<{ tenantId: string; streamIds: string[] }> {
  const tenantId = `tenant-${randomUUID().slice(0, 8)}`;
  const streamIds: string[] = [];
  for (let s = 0; s < streams; s += 1) {
    streamIds.push(
      await appendEvents(db.pool, {
        tenantId,
        events: Array.from({ length: eventsPerStream }, (_, i) => ({ type: `Step${i + 1}`, data: { step: i + 1, stream: s } })),
      }),
    );
  }
  return { tenantId, streamIds };
}

describe('signed checkpoints', () => {
  it('records every stream head and chains each checkpoint to the one before', async () => {
    const { tenantId } = await tenantWithStreams(3, 2);
    const first = await createCheckpoint(db.systemPool, signer);
    expect(first.prevCheckpointHash).toBe(GENESIS_CHECKPOINT_HASH);
    expect(first.streamCount).toBeGreaterThanOrEqual(3);
    expect(first.hash).toBe(
      checkpointHash(first.prevCheckpointHash, {
        createdAt: first.createdAt,
        streamCount: first.streamCount,
        eventCount: first.eventCount,
        headsDigest: first.headsDigest,
      }),
    );
    await appendEvents(db.pool, { tenantId, events: [{ type: 'Later', data: {} }] });
    const second = await createCheckpoint(db.systemPool, signer);
    expect(second.prevCheckpointHash).toBe(first.hash);
    expect(second.streamCount).toBe(first.streamCount + 1);
    expect(second.eventCount).toBe(first.eventCount + 1);

    const report = await verifyCheckpoints(db.systemPool);
    expect(report).toMatchObject({ ok: true, checkpoints: 2, brokenLinks: [], rewrittenStreams: [] });
    expect(report.latest).toMatchObject({ id: second.id, streams: second.streamCount, events: second.eventCount });
  });

  it('takes concurrent checkpoints one after another, in one chain', async () => {
    const made = await Promise.all([
      createCheckpoint(db.systemPool, signer),
      createCheckpoint(db.systemPool, signer),
      createCheckpoint(db.systemPool, signer),
    ]);
    const byId = [...made].sort((a, b) => a.id - b.id);
    expect(byId[1]!.prevCheckpointHash).toBe(byId[0]!.hash);
    expect(byId[2]!.prevCheckpointHash).toBe(byId[1]!.hash);
    expect((await verifyCheckpoints(db.systemPool)).ok).toBe(true);
  });

  it('is taken by the checkpoint job only when the latest is older than the interval, or there is none', async () => {
    const fresh = await createTestDatabase();
    try {
      let now = new Date('2027-03-01T10:00:00.000Z');
      const clock = () => now;
      const first = await takeCheckpointIfDue(fresh.systemPool, signer, clock, 3600);
      expect(first).not.toBeNull();
      now = new Date('2027-03-01T10:59:59.000Z');
      expect(await takeCheckpointIfDue(fresh.systemPool, signer, clock, 3600)).toBeNull();
      now = new Date('2027-03-01T11:00:00.000Z');
      const second = await takeCheckpointIfDue(fresh.systemPool, signer, clock, 3600);
      expect(second?.prevCheckpointHash).toBe(first?.hash);
      expect((await verifyCheckpoints(fresh.systemPool)).ok).toBe(true);
    } finally {
      await fresh.drop();
    }
  });

  it('is taken once by checkpoint jobs running at the same moment (one run on each of several instances)', async () => {
    const fresh = await createTestDatabase();
    try {
      const clock = () => new Date('2027-03-01T10:00:00.000Z');

      const taken = await Promise.all(Array.from({ length: 5 }, () => takeCheckpointIfDue(fresh.systemPool, signer, clock, 3600)));

      expect(taken.filter((checkpoint) => checkpoint !== null)).toHaveLength(1);
      const { rows } = await fresh.asOwner<{ n: number }>('SELECT count(*)::int AS n FROM ledger_checkpoints');
      expect(rows[0]?.n).toBe(1);
    } finally {
      await fresh.drop();
    }
  });

  it('cannot be updated or deleted, even by the table owner', async () => {
    await createCheckpoint(db.systemPool, signer);
    await expect(db.asOwner('UPDATE ledger_checkpoints SET event_count = 0')).rejects.toThrow(/append-only/);
    await expect(db.asOwner('DELETE FROM ledger_checkpoint_heads')).rejects.toThrow(/append-only/);
    await expect(db.asOwner('TRUNCATE ledger_checkpoints CASCADE')).rejects.toThrow(/append-only/);
  });

  it('names the stream and version of a tampered event, in the chain check and the checkpoint check', async () => {
    const { tenantId, streamIds } = await tenantWithStreams();
    const checkpoint = await createCheckpoint(db.systemPool, signer);
    const streamId = streamIds[0]!;
    await tamperEventData(db, tenantId, streamId, 2, { step: 2, stream: 0, amount: 1_000_000 });

    const report = await verifyLedger(db.systemPool, { tenantId });
    expect(report.ok).toBe(false);
    expect(report.streams).toBe(2);
    expect(report.events).toBe(8);
    expect(report.brokenChains).toEqual([{ streamId, version: 2, reason: 'hash_mismatch' }]);
    expect(report.checkpoints.rewrittenStreams).toEqual([
      { checkpointId: checkpoint.id, tenantId, streamId, version: 4, reason: 'head_hash_mismatch' },
    ]);
  });

  it('catches a history rewritten with its whole hash chain recomputed, which the chain check alone passes', async () => {
    const { tenantId, streamIds } = await tenantWithStreams();
    const checkpoint = await createCheckpoint(db.systemPool, signer);
    const streamId = streamIds[1]!;
    await rewriteStreamHistory(db, tenantId, streamId, 2, { step: 2, stream: 1, amount: 1 });

    const report = await verifyLedger(db.systemPool, { tenantId });
    expect(report.brokenChains).toEqual([]);
    expect(report.checkpoints.rewrittenStreams).toEqual([
      { checkpointId: checkpoint.id, tenantId, streamId, version: 4, reason: 'head_hash_mismatch' },
    ]);
    expect(report.ok).toBe(false);
    const alone = await verifyCheckpoints(db.systemPool, { tenantId });
    expect(alone.rewrittenStreams).toEqual(report.checkpoints.rewrittenStreams);
  });

  it('catches events removed from the end of a stream, or a whole stream removed', async () => {
    const { tenantId, streamIds } = await tenantWithStreams();
    const checkpoint = await createCheckpoint(db.systemPool, signer);
    await truncateStream(db, tenantId, streamIds[0]!, 4);
    await truncateStream(db, tenantId, streamIds[1]!, 1);
    const report = await verifyCheckpoints(db.systemPool, { tenantId });
    expect(report.rewrittenStreams).toEqual(
      expect.arrayContaining([
        { checkpointId: checkpoint.id, tenantId, streamId: streamIds[0], version: 4, reason: 'events_missing' },
        { checkpointId: checkpoint.id, tenantId, streamId: streamIds[1], version: 4, reason: 'events_missing' },
      ]),
    );
    expect(report.rewrittenStreams).toHaveLength(2);
  });

  it('keeps other tenants out of a scoped report', async () => {
    const clean = await tenantWithStreams(1, 1);
    await createCheckpoint(db.systemPool, signer);
    const report = await verifyLedger(db.systemPool, { tenantId: clean.tenantId });
    expect(report).toMatchObject({ ok: true, streams: 1, events: 1, brokenChains: [], projectionMismatches: [] });
    expect(report.checkpoints.rewrittenStreams).toEqual([]);
  });

  it('signs every checkpoint, and verifies them against the trusted key', async () => {
    const { tenantId } = await tenantWithStreams(1, 1);
    const checkpoint = await createCheckpoint(db.systemPool, signer);
    expect(checkpoint.signingKeyId).toBe(signer.keyId);
    expect(verifyingKeyOf(signer).verify(checkpoint.hash, checkpoint.signature)).toBe(true);
    // Scoped to this test's tenant: earlier tests rewrote their own streams on purpose.
    const report = await verifyCheckpoints(db.systemPool, { tenantId, trustedKey: verifyingKeyOf(signer) });
    expect(report).toMatchObject({ ok: true, signaturesCheckedWith: signer.keyId, brokenLinks: [], rewrittenStreams: [] });
    expect((await verifyCheckpoints(db.systemPool)).signaturesCheckedWith).toBeNull();
  });

  it('catches a rewrite even after a later checkpoint recorded the rewritten heads: older checkpoints still hold the true ones', async () => {
    const { tenantId, streamIds } = await tenantWithStreams();
    const before = await createCheckpoint(db.systemPool, signer);
    const streamId = streamIds[0]!;
    await rewriteStreamHistory(db, tenantId, streamId, 3, { step: 3, stream: 0, amount: 1 });
    // The server's hourly job does not know about the rewrite and signs what it finds.
    await createCheckpoint(db.systemPool, signer);
    const report = await verifyLedger(db.systemPool, { tenantId, trustedCheckpointKey: verifyingKeyOf(signer) });
    expect(report.brokenChains).toEqual([]);
    expect(report.checkpoints.brokenLinks).toEqual([]);
    expect(report.checkpoints.rewrittenStreams).toEqual([
      { checkpointId: before.id, tenantId, streamId, version: 4, reason: 'head_hash_mismatch' },
    ]);
    expect(report.ok).toBe(false);
  });

  it('catches a rewrite whose checkpoints were all recomputed as well, by their signatures alone', async () => {
    const { tenantId, streamIds } = await tenantWithStreams();
    const checkpoint = await createCheckpoint(db.systemPool, signer);
    const streamId = streamIds[1]!;
    await rewriteStreamHistory(db, tenantId, streamId, 2, { step: 2, stream: 1, amount: 1 });
    const attacker = createTestCheckpointSigner();
    await forgeCheckpointChain(db, tenantId, streamId, attacker);

    // Without a trusted key the forgery is perfect: chains, heads and digests all agree.
    const unkeyed = await verifyLedger(db.systemPool, { tenantId });
    expect(unkeyed.ok).toBe(true);
    const keyed = await verifyCheckpoints(db.systemPool, { tenantId, trustedKey: verifyingKeyOf(signer) });
    expect(keyed.ok).toBe(false);
    expect(keyed.brokenLinks).toContainEqual({ checkpointId: checkpoint.id, reason: 'signed_by_other_key' });
    expect(keyed.brokenLinks.every((link) => link.reason === 'signed_by_other_key')).toBe(true);
    expect(keyed.brokenLinks).toHaveLength(keyed.checkpoints);
  });

  it('names a checkpoint whose signature was replaced', async () => {
    const target = await createCheckpoint(db.systemPool, signer);
    await tamperCheckpointSignature(db, target.id);
    const report = await verifyCheckpoints(db.systemPool, { trustedKey: verifyingKeyOf(signer) });
    expect(report.brokenLinks).toContainEqual({ checkpointId: target.id, reason: 'bad_signature' });
  });

  // Last: it breaks the global checkpoint chain for every later test of this file.
  it('detects a broken checkpoint chain: a changed checkpoint, and changed recorded heads', async () => {
    const { streamIds } = await tenantWithStreams(1, 1);
    const target = await createCheckpoint(db.systemPool, signer);
    const latest = await createCheckpoint(db.systemPool, signer);
    await tamperCheckpoint(db, target.id, target.eventCount + 5);
    await tamperCheckpointHead(db, latest.id, streamIds[0]!, 'f'.repeat(64));
    const report = await verifyCheckpoints(db.systemPool);
    expect(report.ok).toBe(false);
    expect(report.brokenLinks).toEqual([
      { checkpointId: target.id, reason: 'hash_mismatch' },
      { checkpointId: latest.id, reason: 'heads_digest_mismatch' },
    ]);
    const deep = await verifyCheckpoints(db.systemPool, { allDigests: true });
    expect(deep.brokenLinks).toEqual(report.brokenLinks);
    expect((await verifyLedger(db.systemPool)).ok).toBe(false);
  });
});
