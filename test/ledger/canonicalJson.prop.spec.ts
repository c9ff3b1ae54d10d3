import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../src/ledger/canonicalJson.js';

/**
 * canonicalJson as the first chains were recorded with it. Every event hash, request fingerprint
 * and checkpoint digest depends on these exact bytes, so a faster canonicalJson must write the
 * same string for every value, or recorded chains would stop verifying.
 */
function recordedWith(value: unknown): string {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError('non-finite numbers cannot be recorded');
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map(recordedWith).join(',')}]`;
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${recordedWith(v)}`).join(',')}}`;
  }
  throw new TypeError(`cannot record a value of type ${typeof value}`);
}

const key = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 6 }),
  fc.nat({ max: 30 }).map(String),
  fc.constantFrom('__proto__x', 'a', 'B', 'é', '😀'),
);
const { value } = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.constant(null),
    fc.boolean(),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.integer(),
    fc.string({ unit: 'binary', maxLength: 12 }),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(key, fc.option(tie('value'), { nil: undefined }), { maxKeys: 5 }),
  ),
}));

describe('canonical JSON', () => {
  it('writes exactly what the recorded chains were hashed over, for any value', () => {
    fc.assert(
      fc.property(value, (v) => {
        expect(canonicalJson(v)).toBe(recordedWith(v));
      }),
      { numRuns: 2000 },
    );
  });

  it('refuses what JSON cannot carry, as before', () => {
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, undefined, () => 1, 1n, Symbol('s'), [undefined], { a: [Number.NaN] }]) {
      expect(() => canonicalJson(bad)).toThrow(TypeError);
      expect(() => recordedWith(bad)).toThrow(TypeError);
    }
  });
});
