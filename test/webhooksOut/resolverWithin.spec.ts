import { describe, expect, it } from 'vitest';
import { resolverWithin } from '../../src/webhooksOut/systemResolver.js';

describe('resolverWithin', () => {
  it('fails a lookup that never answers once its time is up', async () => {
    const hanging = resolverWithin(() => new Promise<never>(() => undefined), 50);
    await expect(hanging('receiver.example')).rejects.toThrow('no answer within 50 ms');
  });

  it('passes on the answer, and the failure, of a lookup that answers in time', async () => {
    const answering = resolverWithin((hostname) => Promise.resolve(hostname === 'receiver.example' ? ['203.0.113.7'] : []), 1_000);
    await expect(answering('receiver.example')).resolves.toEqual(['203.0.113.7']);
    const failing = resolverWithin(() => Promise.reject(new Error('ENOTFOUND receiver.example')), 1_000);
    await expect(failing('receiver.example')).rejects.toThrow('ENOTFOUND');
  });
});
