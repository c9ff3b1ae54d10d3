import { describe, expect, it } from 'vitest';
import { isStorableJson, MAX_JSON_DEPTH } from '../../src/db/storableText.js';

/** An array nested `depth` levels deep around `inner`, built without recursion. */
function nested(depth: number, inner: unknown): unknown {
  let value = inner;
  for (let level = 0; level < depth; level += 1) value = [value];
  return value;
}

describe('isStorableJson', () => {
  it('refuses NUL and lone surrogates in values and keys, at any depth', () => {
    expect(isStorableJson({ a: ['ok', { b: 'x\u{1F600}' }] })).toBe(true);
    expect(isStorableJson({ a: ['ok', { b: 'x\ud800' }] })).toBe(false);
    expect(isStorableJson({ a: { 'k\u0000': 1 } })).toBe(false);
    expect(isStorableJson(nested(10, 'a\u0000b'))).toBe(false);
  });

  it(`accepts ${MAX_JSON_DEPTH} levels of nesting and refuses more, however deep, without a RangeError`, () => {
    expect(isStorableJson(nested(MAX_JSON_DEPTH, 1))).toBe(true);
    expect(isStorableJson(nested(MAX_JSON_DEPTH + 1, 1))).toBe(false);
    expect(isStorableJson(nested(200_000, 'x'))).toBe(false);
  });
});
