import { createTestPersonalData } from '../support/personalData.js';
import { describe, expect, it } from 'vitest';
import type { AppDeps } from '../../src/app/context.js';
import { renderedAvailability } from '../../src/http/renderedAvailability.js';
import { createTestDatabase } from '../support/database.js';

describe('the rendered public availability', () => {
  it('shares one database read among concurrent readers of one question, and reads again when the clock reaches the next second', async () => {
    const db = await createTestDatabase({ maximumPoolSize: 2 });
    try {
      let now = new Date('2027-05-01T10:00:00.200Z');
      let transactions = 0;
      // Counts the reads: every availability read is one transaction on this pool.
      const pool = new Proxy(db.pool, {
        get(target, property, receiver) {
          if (property === 'connect') transactions += 1;
          return Reflect.get(target, property, receiver) as unknown;
        },
      });
      const deps: AppDeps = {
        pool,
        commands: db.commands,
        systemPool: db.systemPool,
        clock: () => now,
        holdTtlSeconds: 900,
        paymentGraceSeconds: 1800,
        personalData: createTestPersonalData(db.pool),
        reactions: [],
      };
      const render = renderedAvailability(deps);

      const answers = await Promise.all(Array.from({ length: 16 }, () => render({ tenantId: 'acme' })));
      expect(new Set(answers.map((answer) => answer.tag)).size).toBe(1);
      expect(transactions).toBe(1);

      now = new Date('2027-05-01T10:00:01.000Z');
      await render({ tenantId: 'acme' });
      expect(transactions).toBe(2);

      await render({ tenantId: 'acme', activityId: 'kayak' });
      expect(transactions).toBe(3);
    } finally {
      await db.drop();
    }
  });
});
