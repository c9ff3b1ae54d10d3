import { describe, expect, it } from 'vitest';
import { createProgressLine } from './progressLine.js';

function fakeStream(isTTY: boolean) {
  const written: string[] = [];
  return { written, stream: { isTTY, write: (text: string) => written.push(text) > 0 } };
}

describe('createProgressLine', () => {
  it('rewrites one terminal line, at most once per interval, and ends it with the final state', () => {
    let now = 1_000;
    const { written, stream } = fakeStream(true);
    const line = createProgressLine(stream, 100, () => now);

    line.show('1 stream');
    now += 50;
    line.show('2 streams');
    now += 60;
    line.show('3 streams');
    line.finish('done: 3 streams');

    expect(written).toEqual(['\r\x1b[2K1 stream', '\r\x1b[2K3 streams', '\r\x1b[2Kdone: 3 streams\n']);
  });

  it('writes nothing when the stream is not a terminal', () => {
    const { written, stream } = fakeStream(false);
    const line = createProgressLine(stream);

    line.show('1 stream');
    line.finish('done');

    expect(written).toEqual([]);
  });
});
