import { describe, expect, it } from 'vitest';
import { createStopSequence } from './stopSequence.js';

describe('createStopSequence', () => {
  it('stops the newest part first, each after the one before has ended, and names what is still stopping', async () => {
    const sequence = createStopSequence();
    const stopped: string[] = [];
    let releaseServer: () => void = () => undefined;
    sequence.add('database', async () => {
      stopped.push('database');
    });
    sequence.add('server', () => new Promise<void>((resolve) => (releaseServer = resolve)).then(() => void stopped.push('server')));

    const running = sequence.run();
    expect(sequence.pending()).toEqual(['server', 'database']);
    expect(stopped).toEqual([]);
    releaseServer();
    await running;

    expect(stopped).toEqual(['server', 'database']);
    expect(sequence.pending()).toEqual([]);
  });

  it('still stops the older parts when a step fails, then throws that failure', async () => {
    const sequence = createStopSequence();
    const stopped: string[] = [];
    sequence.add('database', async () => {
      stopped.push('database');
    });
    sequence.add('job worker', async () => {
      throw new Error('worker stuck');
    });

    const failure = await sequence.run().then(
      () => undefined,
      (error: unknown) => error,
    );

    expect(stopped).toEqual(['database']);
    expect(failure).toMatchObject({ message: 'stopping job worker failed', cause: { message: 'worker stuck' } });
  });

  it('runs once: a second call gets the first call’s outcome', async () => {
    const sequence = createStopSequence();
    let stops = 0;
    sequence.add('server', async () => {
      stops += 1;
    });

    await Promise.all([sequence.run(), sequence.run()]);
    await sequence.run();

    expect(stops).toBe(1);
  });
});
