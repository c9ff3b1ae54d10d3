import { newPiiMasterKey } from '../support/personalData.js';
import { quietLedgerLogger } from '../support/loggers.js';
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseConfigValues } from '../../src/config/config.js';
import { ConfigError } from '../../src/config/errors.js';
import type { EnvValues } from '../../src/config/variables.js';
import { ensureDevIdentity, signDevToken } from '../../src/identity/devIdentity.js';
import { startLedger } from '../../src/main.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

const quiet = quietLedgerLogger();
const sharedKey = () => generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();

let dataDir: string;
beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'ledger-start-'));
});
afterEach(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

describe('startLedger over DATABASE_URL', () => {
  it('refuses to start without the shared checkpoint key, before it touches the database', async () => {
    // Nothing listens on port 1: a start that got as far as the database would fail on the connection instead.
    const config = parseConfigValues({ NODE_ENV: 'test', DATABASE_URL: 'postgres://ledger@127.0.0.1:1/ledger', LEDGER_DATA_DIR: dataDir });

    const started = startLedger(config, quiet);

    await expect(started).rejects.toThrow(ConfigError);
    await expect(started).rejects.toMatchObject({ keys: ['LEDGER_CHECKPOINT_SIGNING_KEY'] });
  });

  describe('after a restart', () => {
    let database: TestDatabase;
    beforeEach(async () => {
      database = await createTestDatabase({ maximumPoolSize: 2 });
    });
    afterEach(async () => {
      await database.drop();
    });

    it('releases the holds whose time ran out while no server ran before it listens', async () => {
      const values: EnvValues = {
        NODE_ENV: 'test',
        DATABASE_URL: database.logins.app,
        SYSTEM_DATABASE_URL: database.logins.system,
        MIGRATION_DATABASE_URL: database.url,
        LEDGER_DATA_DIR: dataDir,
        LEDGER_CHECKPOINT_SIGNING_KEY: sharedKey(),
        PII_MASTER_KEY: newPiiMasterKey(),
        PORT: '0',
        HOLD_TTL_SECONDS: '1',
      };
      const config = parseConfigValues(values);
      const identity = await ensureDevIdentity(dataDir);
      const admin = `Bearer ${signDevToken(identity, { tenantId: 'acme', groups: ['admin'] })}`;
      const customer = `Bearer ${signDevToken(identity, { tenantId: 'acme', sub: 'customer-ana' })}`;
      const slotId = `slot-${randomUUID().slice(0, 8)}`;

      const first = await startLedger(config, quiet);
      let expiresAt: string;
      try {
        const slot = await fetch(`${first.url}/v1/slots/${slotId}`, {
          method: 'PUT',
          headers: { authorization: admin, 'content-type': 'application/json' },
          body: JSON.stringify({
            activityId: 'kayak',
            startsAt: '2027-07-01T09:00:00Z',
            capacity: 2,
            unitPrice: { amount: 4500, currency: 'EUR' },
          }),
        });
        expect(slot.status).toBe(201);
        const hold = await fetch(`${first.url}/v1/reservations`, {
          method: 'POST',
          headers: { authorization: customer, 'content-type': 'application/json', 'idempotency-key': randomUUID() },
          body: JSON.stringify({ slotId, seats: 2, customer: { name: 'Ana', email: 'ana@example.com' } }),
        });
        expect(hold.status).toBe(201);
        expiresAt = ((await hold.json()) as { expiresAt: string }).expiresAt;
      } finally {
        await first.stop();
      }
      // The last sweep before the stop queued the next one for later; after a restart it is not due yet.
      await database.asOwner(
        `UPDATE graphile_worker._private_jobs SET run_at = now() + interval '1 hour' WHERE key = 'periodic:expireDueHolds'`,
      );
      // Let the hold's time run out while no server runs (waiting for a moment, not asserting on time).
      const untilExpired = new Date(expiresAt).getTime() - Date.now() + 50;
      if (untilExpired > 0) await new Promise((resolve) => setTimeout(resolve, untilExpired));

      const second = await startLedger(config, quiet);
      try {
        const slot = await fetch(`${second.url}/v1/slots/${slotId}`, { headers: { authorization: admin } });

        expect(await slot.json()).toMatchObject({ capacity: 2, held: 0, sold: 0, available: 2 });
        const { rows } = await database.asOwner(`SELECT count(*)::int AS n FROM events WHERE type = 'ReservationExpired'`);
        expect(rows[0]).toEqual({ n: 1 });
      } finally {
        await second.stop();
      }
    });
  });
});
