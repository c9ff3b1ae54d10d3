import { describe, expect, it } from 'vitest';
import { column, declareProjection, nullable, oneOf } from './declaredProjection.js';
import { slotAvailability, type SlotSnapshot } from './slotAvailability.js';

const snapshot = (held: number): SlotSnapshot => ({
  state: {
    status: 'open',
    slotId: 's1',
    activityId: 'a',
    startsAt: '2030-01-01T09:00:00Z',
    capacity: 10,
    held,
    sold: 0,
    unitPrice: { amount: 4500, currency: 'EUR' },
    departure: 'open' as const,
    panelBookings: {},
    releasedPanelBookings: [],
  },
  head: { version: held + 1, hash: 'h'.repeat(64) },
});

describe('a declared projection', () => {
  const things = declareProjection({
    table: 'things',
    columns: {
      tenant_id: column.text,
      thing_id: column.uuid,
      status: oneOf(['new', 'old']),
      note: nullable(column.text),
      n: column.int8,
      doc: column.jsonb,
    },
    key: ['tenant_id', 'thing_id'],
    updateOnConflict: ['status', 'note'],
    rowOf: (tenantId, input: { id: string; n: number }) => ({
      tenant_id: tenantId,
      thing_id: input.id,
      status: 'new' as const,
      note: null,
      n: input.n,
      doc: JSON.stringify({ n: input.n }),
    }),
  });

  it('generates one upsert of every column, conflicting on the key and updating only the declared columns', () => {
    const statement = things.upsert('t1', { id: 'x', n: 7 });
    expect(statement.sql).toBe(
      'INSERT INTO "things" ("tenant_id", "thing_id", "status", "note", "n", "doc") ' +
        'VALUES ($slonik_1::text, $slonik_2::uuid, $slonik_3::text, $slonik_4::text, $slonik_5::int8, $slonik_6::jsonb) ' +
        'ON CONFLICT ("tenant_id", "thing_id") DO UPDATE SET "status" = "excluded"."status", "note" = "excluded"."note"',
    );
    expect(statement.values).toEqual(['t1', 'x', 'new', null, 7, '{"n":7}']);
    expect(things.columnList).toEqual([
      ['tenant_id', 'text'],
      ['thing_id', 'uuid'],
      ['status', 'text'],
      ['note', 'text'],
      ['n', 'int8'],
      ['doc', 'jsonb'],
    ]);
  });

  it('reads back with uuids as text and nullability and enums from the declaration', () => {
    const reader = things.reader(['thing_id', 'status', 'note']);
    expect(reader.columns.sql).toBe('"thing_id"::text, "status", "note"');
    expect(reader.schema.parse({ thing_id: 'x', status: 'old', note: null })).toEqual({ thing_id: 'x', status: 'old', note: null });
    expect(() => reader.schema.parse({ thing_id: 'x', status: 'gone', note: null })).toThrow();
  });

  it('refuses a key or update column it does not declare', () => {
    expect(() =>
      declareProjection({
        table: 't',
        columns: { a: column.text },
        key: ['a', 'b' as 'a'],
        updateOnConflict: [],
        rowOf: () => ({ a: '' }),
      }),
    ).toThrow('t: no such column(s) b');
  });

  it('gives the live path the same statement text on every call (composed once; ADR 0019)', () => {
    const first = slotAvailability.upsert('t1', { snapshot: snapshot(1), updatedAt: '2030-01-01T00:00:00Z' });
    const second = slotAvailability.upsert('t2', { snapshot: snapshot(2), updatedAt: '2030-01-01T00:00:01Z' });
    // The same string, not an equal one: the write set and the command pool find it without re-reading it.
    expect(second.sql).toBe(first.sql);
    expect(second.values).toEqual([
      't2',
      's1',
      'a',
      '2030-01-01T09:00:00Z',
      10,
      2,
      0,
      4500,
      'EUR',
      3,
      '2030-01-01T00:00:01Z',
      'h'.repeat(64),
      'open',
      '{}',
      '[]',
    ]);
    expect(first.values).toHaveLength(15);
  });
});
