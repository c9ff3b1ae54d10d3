import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { chainEvents } from '../../src/ledger/chainEvents.js';
import { canonicalJson } from '../../src/ledger/canonicalJson.js';
import { eventHash, eventHashOfCanonical, GENESIS_HASH } from '../../src/ledger/hashChain.js';

/**
 * Appends hash each event from its already-canonical payload (`eventHashOfCanonical`); verify,
 * checkpoints and tamper checks hash it from the parsed event (`eventHash`). The two must give the
 * same hash for every event, or an untouched ledger would fail its own verification.
 */
const json = fc.jsonValue({ maxDepth: 3 });
const text = fc.string({ unit: 'binary', maxLength: 40 });

describe('the hash of an appended event', () => {
  it('is the hash verify recomputes from the parsed event, for any payload', () => {
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
          expect(eventHashOfCanonical(prevHash, fields, canonicalJson(data), canonicalJson(metadata))).toBe(
            eventHash(prevHash, { ...fields, data: parsedData, metadata: parsedMetadata }),
          );
        },
      ),
      { numRuns: 500 },
    );
  });

  it('chains appended rows that verify link by link', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ type: text, data: json }), { minLength: 1, maxLength: 5 }), (events) => {
        const { rows, head } = chainEvents({
          tenantId: 't', streamId: 's', head: { version: 0, hash: GENESIS_HASH }, events, recordedAt: '2026-11-26T05:00:00.000Z',
        });
        let prev = GENESIS_HASH;
        for (const row of rows) {
          expect(row.prevHash).toBe(prev);
          expect(eventHash(prev, { ...row, data: JSON.parse(row.data) as unknown, metadata: JSON.parse(row.metadata) as unknown })).toBe(row.hash);
          prev = row.hash;
        }
        expect(head).toEqual({ version: events.length, hash: prev });
      }),
      { numRuns: 200 },
    );
  });
});
