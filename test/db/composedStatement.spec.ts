import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { composition } from '../../src/db/composedStatement.js';
import { sql } from '../../src/db/sql.js';

const insertOf = (id: string, seats: number) => sql.fragment`INSERT INTO t (id, seats) VALUES (${id}, ${seats})`;
const updateOf = (id: string) => sql.fragment`UPDATE u SET at = ${'now'}::timestamptz WHERE id = ${id}`;

const asCte = composition((parts) => {
  const pieces = parts.slice(0, -1).map((part, index) => sql.fragment`${sql.identifier([`w_${index}`])} AS (${part}), `);
  return sql.typeAlias('void')`${sql.join([sql.fragment`WITH `, ...pieces], sql.fragment``)}x AS (SELECT 1) ${parts.at(-1)!}`;
});
const composedByTheTag = (parts: readonly ReturnType<typeof insertOf>[]) => {
  const pieces = parts.slice(0, -1).map((part, index) => sql.fragment`${sql.identifier([`w_${index}`])} AS (${part}), `);
  return sql.typeAlias('void')`${sql.join([sql.fragment`WITH `, ...pieces], sql.fragment``)}x AS (SELECT 1) ${parts.at(-1)!}`;
};

describe('a composition', () => {
  it('gives the text and values the sql tag gives, however often a shape comes back', () => {
    const part = fc.oneof(
      fc.tuple(fc.string(), fc.integer()).map(([id, seats]) => insertOf(id, seats)),
      fc.string().map((id) => updateOf(id)),
    );
    fc.assert(
      fc.property(fc.array(fc.array(part, { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 12 }), (calls) => {
        for (const parts of calls) {
          const reused = asCte(parts);
          const fresh = composedByTheTag(parts);
          expect(reused.sql).toBe(fresh.sql);
          expect(reused.values).toEqual(fresh.values);
          expect(reused.parser).toBe(fresh.parser);
        }
      }),
    );
  });

  it('returns the remembered text for a shape seen before, with the values of this call', () => {
    const first = asCte([insertOf('a', 1), updateOf('a')]);
    const second = asCte([insertOf('b', 2), updateOf('b')]);
    // The same string, not an equal one: the command pool finds its prepared statement without rehashing.
    expect(second.sql).toBe(first.sql);
    expect(second.values).toEqual(['b', 2, 'now', 'b']);
    expect(first.values).toEqual(['a', 1, 'now', 'a']);
  });

  it('never reuses a shape whose statement brings a value of its own, and stays right', () => {
    let own = 0;
    const withOwnValue = composition(([part]) => sql.typeAlias('void')`${part!} RETURNING ${own++}`);
    const first = withOwnValue([insertOf('a', 1)]);
    const second = withOwnValue([insertOf('b', 2)]);
    expect(first.values).toEqual(['a', 1, 0]);
    expect(second.values).toEqual(['b', 2, 1]);
    expect(second.sql).toBe(first.sql);
  });
});
