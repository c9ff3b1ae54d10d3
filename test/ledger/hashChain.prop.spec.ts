import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { chainEvents } from '../../src/ledger/chainEvents.js';
import { canonicalJson } from '../../src/ledger/canonicalJson.js';
import { eventHash, eventHashOfCanonical, GENESIS_HASH } from '../../src/ledger/hashChain.js';

/**
 * An event's hash is sha-256 over the previous hash and the canonical JSON of its fields. The
 * envelope is written out by hand (`eventHashOfCanonical`, which `eventHash` uses too); it must be
 * byte for byte what `canonicalJson` makes of those fields, or chains recorded before this change —
 * and any auditor's own reimplementation — would stop verifying.
 */
const reference = (prevHash: string, fields: Record<string, unknown>) =>
  createHash('sha256').update(prevHash).update('\n').update(canonicalJson(fields)).digest('hex');
const json = fc.jsonValue({ maxDepth: 3 });
const text = fc.string({ unit: 'binary', maxLength: 40 });

describe('the hash of an appended event', () => {
  it('is the sha-256 of the canonical JSON of its fields, for any payload', () => {
    fc.assert(
      fc.property(
        fc.record({
          tenantId: text,
          streamId: text,
          version: fc.integer({ min: 1, max: 2 ** 31 - 1 }),
          eventId: fc.uuid(),
          type: text,
          recordedAt: fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
        }),
        json,
        fc.dictionary(fc.string({ maxLength: 10 }), json, { maxKeys: 4 }),
        fc.stringMatching(/^[0-9a-f]{64}$/),
        (fields, data, metadata, prevHash) => {
          // What verify reads back: the payload as JSON parses it (jsonb returns the same values).
          const parsedData = JSON.parse(canonicalJson(data)) as unknown;
          const parsedMetadata = JSON.parse(canonicalJson(metadata)) as unknown;
          const expected = reference(prevHash, { ...fields, data: parsedData, metadata: parsedMetadata });
          expect(eventHashOfCanonical(prevHash, fields, canonicalJson(data), canonicalJson(metadata))).toBe(expected);
          expect(eventHash(prevHash, { ...fields, data: parsedData, metadata: parsedMetadata })).toBe(expected);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('chains appended rows that verify link by link', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ type: text, data: json }), { minLength: 1, maxLength: 5 }), (events) => {
        const { rows, head } = chainEvents({
          tenantId: 't',
          streamId: 's',
          head: { version: 0, hash: GENESIS_HASH },
          events,
          recordedAt: '2026-11-26T05:00:00.000Z',
        });
        let prev = GENESIS_HASH;
        for (const row of rows) {
          expect(row.prevHash).toBe(prev);
          expect(eventHash(prev, { ...row, data: JSON.parse(row.data) as unknown, metadata: JSON.parse(row.metadata) as unknown })).toBe(
            row.hash,
          );
          prev = row.hash;
        }
        expect(head).toEqual({ version: events.length, hash: prev });
      }),
      { numRuns: 200 },
    );
  });
});
