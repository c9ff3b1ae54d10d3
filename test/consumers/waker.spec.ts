import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createWaker } from '../../src/consumers/waker.js';

/** Whether `promise` has settled once pending callbacks have run, without letting any timer fire. */
async function settled(promise: Promise<void>): Promise<boolean> {
  let done = false;
  void promise.then(() => {
    done = true;
  });
  await vi.advanceTimersByTimeAsync(0);
  return done;
}

describe('the waker of a log follower', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('ends a poll sleep when a commit is notified, and keeps a notice that came while awake', async () => {
    const waker = createWaker();
    const polling = waker.sleep(60_000);
    expect(await settled(polling)).toBe(false);
    waker.notify();
    expect(await settled(polling)).toBe(true);
    // The notice stays until taken: a sleep begun before that returns at once.
    expect(await settled(waker.sleep(60_000))).toBe(true);
    expect(waker.takeNotice()).toBe(true);
    expect(waker.takeNotice()).toBe(false);
    expect(await settled(waker.sleep(60_000))).toBe(false);
  });

  it('lets a backoff run its time whatever commits are notified, but not past a stop', async () => {
    const waker = createWaker();
    const backingOff = waker.sleep(5_000, { endedByCommit: false });
    waker.notify();
    expect(await settled(backingOff)).toBe(false);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(await settled(backingOff)).toBe(true);

    const again = waker.sleep(5_000, { endedByCommit: false });
    waker.stop();
    expect(await settled(again)).toBe(true);
    expect(waker.stopped).toBe(true);
    expect(await settled(waker.sleep(60_000))).toBe(true);
  });
});
