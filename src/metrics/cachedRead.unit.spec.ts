import { describe, expect, it } from 'vitest';
import { cachedRead } from './cachedRead.js';

describe('cachedRead', () => {
  it('reads once per time-to-live and shares a read in flight', async () => {
    let now = 0;
    let reads = 0;
    const read = cachedRead(
      async () => ++reads,
      5_000,
      () => now,
    );
    expect(await Promise.all([read(), read(), read()])).toEqual([1, 1, 1]);
    now = 4_999;
    expect(await read()).toBe(1);
    now = 5_000;
    expect(await read()).toBe(2);
    expect(reads).toBe(2);
  });

  it('keeps no failed read: the next caller reads again', async () => {
    let reads = 0;
    const read = cachedRead(
      async () => {
        reads += 1;
        if (reads === 1) throw new Error('database down');
        return reads;
      },
      5_000,
      () => 0,
    );
    await expect(read()).rejects.toThrow('database down');
    expect(await read()).toBe(2);
  });
});
